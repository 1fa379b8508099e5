import { checkThaw } from '../workflow/restore/thaw';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(checkThaw);
