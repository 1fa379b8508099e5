import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveChecksumOption } from '../../lambdas/transfer/archive-object';
import { uploadArchiveObject } from '../../lambdas/transfer/upload-archive-object';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';

/**
 * What Object Lock does to the archive, against moto_server: a backup stored in a bucket with
 * default GOVERNANCE retention survives a plain DeleteObject (which only hides it behind a delete
 * marker) and a delete of its version, until the retention runs out. This is the behaviour the
 * retention planner must plan around: it cannot remove a locked version early, so it reads each
 * version's retain-until date (lambdas/archive/object-lock.ts, readRetention) and keeps it.
 */
const RUN = motoAvailable('object-lock.integ.spec.ts');

let moto: MotoServer;
let s3: S3Client;
let buckets = 0;

async function lockedBucket(mode: 'GOVERNANCE' | 'COMPLIANCE', days: number): Promise<string> {
  const bucket = `locked-${++buckets}`;
  // Object Lock at creation turns versioning on, as the stack's bucket has it.
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: days } } },
    }),
  );
  return bucket;
}

const store = (bucket: string, key: string, data: Buffer, checksum?: ArchiveChecksumOption) =>
  uploadArchiveObject({
    s3,
    bucket,
    key,
    body: Readable.from([data]),
    expectedSize: data.length,
    contentType: 'application/octet-stream',
    deviceId: 'ar11',
    ...(checksum ? { checksum } : {}),
  });

const readVersion = async (bucket: string, key: string, versionId: string) => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Buffer.from(await object.Body!.transformToByteArray());
};

describe.runIf(RUN)('Object Lock on moto_server', () => {
  beforeAll(async () => {
    moto = await startMoto();
    s3 = moto.client();
  });
  afterAll(async () => {
    await moto?.close();
  });

  it('gives every new backup version the default GOVERNANCE retention', async () => {
    const bucket = await lockedBucket('GOVERNANCE', 3);
    const before = Date.now();
    const stored = await store(bucket, 'backups/ar11/a.tar.gz', randomBytes(1000));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'backups/ar11/a.tar.gz' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.VersionId).toBe(stored.versionId);
    const until = head.ObjectLockRetainUntilDate!.getTime();
    // moto stores the date to the second.
    expect(until).toBeGreaterThanOrEqual(before + 3 * 86_400_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3 * 86_400_000 + 1000);
  });

  it('a plain DeleteObject only hides a locked backup behind a delete marker; deleting its version is refused', async () => {
    const bucket = await lockedBucket('GOVERNANCE', 1);
    const key = 'backups/ar11/b.tar.gz';
    const data = randomBytes(2048);
    const { versionId } = await store(bucket, key, data);
    expect(versionId).toEqual(expect.any(String));

    const hidden = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    expect(hidden.DeleteMarker).toBe(true);
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect((await readVersion(bucket, key, versionId!)).equals(data)).toBe(true);

    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await readVersion(bucket, key, versionId!)).equals(data)).toBe(true);
  });

  it('GOVERNANCE yields to a caller allowed to bypass it; COMPLIANCE to nobody', async () => {
    const governed = await lockedBucket('GOVERNANCE', 1);
    const g = await store(governed, 'k', randomBytes(10));
    await s3.send(new DeleteObjectCommand({ Bucket: governed, Key: 'k', VersionId: g.versionId, BypassGovernanceRetention: true }));
    await expect(s3.send(new HeadObjectCommand({ Bucket: governed, Key: 'k', VersionId: g.versionId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

    const compliant = await lockedBucket('COMPLIANCE', 1);
    const c = await store(compliant, 'k', randomBytes(10));
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: compliant, Key: 'k', VersionId: c.versionId, BypassGovernanceRetention: true })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it("refuses an upload without any checksum into a bucket with default retention (why 'none' is only for s3rver)", async () => {
    const bucket = await lockedBucket('GOVERNANCE', 1);
    await expect(store(bucket, 'k', randomBytes(10), 'none')).rejects.toMatchObject({ name: 'MissingUploadObjectWithObjectLockHeaders' });
    await expect(store(bucket, 'k', randomBytes(10), 'CRC32C')).resolves.toMatchObject({ size: 10 });
  });
});
