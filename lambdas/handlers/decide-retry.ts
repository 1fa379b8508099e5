import { decideRetryStep } from '../workflow/decide-retry';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(decideRetryStep);
