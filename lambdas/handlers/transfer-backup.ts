import { transferBackup } from '../workflow/transfer-backup';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(transferBackup);
