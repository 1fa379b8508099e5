import { GetObjectRetentionCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../lambdas/archive/errors';
import { readRetention } from '../../../lambdas/archive/object-lock';

/**
 * readRetention against S3's documented answers. moto 5.2 does not implement GetObjectRetention
 * (test/integration/support/moto.ts), so the answers are mocked here; the locking itself is
 * exercised against moto in test/integration/object-lock.integ.spec.ts.
 */
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);
afterEach(() => s3Mock.reset());

const s3Error = (name: string, status: number, message = `${name} happened`) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });

describe('readRetention', () => {
  it('returns the retain-until date of the object version', async () => {
    s3Mock.on(GetObjectRetentionCommand).resolves({ Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2026-12-20T02:00:00Z') } });
    await expect(readRetention(s3, 'archive', 'backups/a.tar.gz', { versionId: 'v1' })).resolves.toEqual(new Date('2026-12-20T02:00:00Z'));
    expect(s3Mock.commandCalls(GetObjectRetentionCommand)[0]!.args[0].input).toEqual({ Bucket: 'archive', Key: 'backups/a.tar.gz', VersionId: 'v1' });
  });

  it.each([
    ['an object version without retention', s3Error('NoSuchObjectLockConfiguration', 404)],
    ['a bucket without Object Lock', s3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration')],
  ])('returns undefined for %s', async (_case, error) => {
    s3Mock.on(GetObjectRetentionCommand).rejects(error);
    await expect(readRetention(s3, 'archive', 'k')).resolves.toBeUndefined();
  });

  it('returns undefined when S3 answers without a retention', async () => {
    s3Mock.on(GetObjectRetentionCommand).resolves({});
    await expect(readRetention(s3, 'archive', 'k')).resolves.toBeUndefined();
  });

  it('never takes an unknown retention for none: other failures are ArchiveErrors naming the device and object', async () => {
    s3Mock.on(GetObjectRetentionCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const failure = readRetention(s3, 'archive', 'backups/ar11/a.tar.gz', { deviceId: 'ar11' });
    await expect(failure).rejects.toThrow(ArchiveError);
    await expect(failure).rejects.toThrow('ar11: cannot read the Object Lock retention of s3://archive/backups/ar11/a.tar.gz: AccessDenied: Access Denied');
    s3Mock.on(GetObjectRetentionCommand).rejects(s3Error('InvalidRequest', 400, 'Invalid version id specified'));
    await expect(readRetention(s3, 'archive', 'k')).rejects.toThrow(/InvalidRequest: Invalid version id specified/);
  });
});
