import { chooseBackup } from '../workflow/restore/choose-backup';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(chooseBackup);
