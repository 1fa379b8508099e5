import { startRestore } from '../workflow/restore/start-restore';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(startRestore);
