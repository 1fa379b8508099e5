import { BackupRunnerError } from '../common/errors';

/**
 * The archive (S3) refused or failed an operation of the catalog, prune or verify: listing,
 * reading a manifest, deleting. The message names the device when there is one, the S3 location
 * and S3's own error; `cause` keeps the SDK error.
 */
export class ArchiveError extends BackupRunnerError {
  override name = 'ArchiveError';
}

/** `NoSuchBucket: The specified bucket does not exist`: an SDK error as an operator reads it. */
export function describeS3Error(error: unknown): string {
  if (error instanceof Error) return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}
