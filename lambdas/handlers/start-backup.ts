import { startBackup } from '../workflow/start-backup';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(startBackup);
