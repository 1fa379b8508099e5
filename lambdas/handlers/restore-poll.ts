import { pollRestore } from '../workflow/restore/poll-restore';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(pollRestore);
