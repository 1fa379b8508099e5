import { BackupRunnerError } from '../common/errors';

/**
 * The restore must not go ahead: the backup is of another device type, another software version
 * (without force), or the device's driver cannot restore it. The message lists every reason.
 * Never retried: nothing about it changes by waiting.
 */
export class RestoreRefused extends BackupRunnerError {
  override name = 'RestoreRefused';
}

/** No committed backup matches the selector (none at all, none before the date, no such key). */
export class BackupNotFound extends BackupRunnerError {
  override name = 'BackupNotFound';
}

/** Error names of the restore workflow beyond common/errors.ts, for its Catch rules and tests. */
export const RESTORE_ERROR_NAMES = { refused: 'RestoreRefused', notFound: 'BackupNotFound' } as const;
