import { BackupRunnerError } from '../common/errors';

/** Another tick saved the dispatcher state between this tick's read and write. The tick is planned again. */
export class DispatcherStateConflict extends BackupRunnerError {
  override name = 'DispatcherStateConflict';
}

/** The dispatcher could not read or write its state, or list executions: the tick did not complete. */
export class DispatcherError extends BackupRunnerError {
  override name = 'DispatcherError';
}
