import { checkCompatibility } from '../workflow/restore/check-compatibility';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(checkCompatibility);
