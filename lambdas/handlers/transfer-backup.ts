import type { Context } from 'aws-lambda';
import type { RunState } from '../workflow/run-state';
import { transferBackup } from '../workflow/transfer-backup';
import { stepHandler } from './lambda-deps';

/** The transfer's time budget is this invocation's remaining time, minus a margin (see transferBackup). */
export const handler = (event: RunState, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RunState> =>
  stepHandler((state: RunState, deps) => transferBackup(state, deps, { remainingMs: () => context.getRemainingTimeInMillis() }))(event);
