import { pruneArchive } from '../workflow/prune-archive';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(pruneArchive);
