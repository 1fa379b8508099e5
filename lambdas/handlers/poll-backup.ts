import { pollBackup } from '../workflow/poll-backup';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(pollBackup);
