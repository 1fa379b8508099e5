import { GetObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import { ArchiveError, describeS3Error } from './errors';

/**
 * S3's answers that mean "this object version has no retention": the version carries none
 * (NoSuchObjectLockConfiguration), or the bucket has no Object Lock at all (InvalidRequest
 * "Bucket is missing Object Lock Configuration"). Checked against moto 5.2, which answers the
 * same way as S3 does.
 */
const NO_RETENTION = new Set(['NoSuchObjectLockConfiguration', 'ObjectLockConfigurationNotFoundError']);

/** InvalidRequest is S3's answer to many things; only this one means "no Object Lock here". */
function meansNoRetention(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: string }).Code ?? error.name;
  if (NO_RETENTION.has(code) || NO_RETENTION.has(error.name)) return true;
  return code === 'InvalidRequest' && /object lock/i.test(error.message);
}

/**
 * Until when Object Lock keeps an object version from being deleted or overwritten, or
 * undefined when it has no retention (including buckets without Object Lock). A date in the
 * past means the lock has run out. Any other failure (AccessDenied, throttling) is an
 * ArchiveError: an unknown retention must never be taken for none by a pruner.
 * Needs s3:GetObjectRetention on the object.
 */
export async function readRetention(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { versionId?: string; deviceId?: string } = {},
): Promise<Date | undefined> {
  try {
    const answer = await s3.send(
      new GetObjectRetentionCommand({ Bucket: bucket, Key: key, ...(options.versionId ? { VersionId: options.versionId } : {}) }),
    );
    const until = answer.Retention?.RetainUntilDate;
    return until === undefined ? undefined : new Date(until);
  } catch (error) {
    if (meansNoRetention(error)) return undefined;
    throw new ArchiveError(`cannot read the Object Lock retention of s3://${bucket}/${key}: ${describeS3Error(error)}`, {
      ...(options.deviceId ? { deviceId: options.deviceId } : {}),
      cause: error,
    });
  }
}
