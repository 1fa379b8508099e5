import { removeUploadedCopy } from '../workflow/restore/remove-uploaded';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(removeUploadedCopy);
