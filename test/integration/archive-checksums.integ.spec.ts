import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../lambdas/archive/manifest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { createRunningChecksum, type FullObjectChecksumAlgorithm } from '../../lambdas/transfer/full-object-checksum';
import { MiB } from '../../lambdas/transfer/part-size';
import { uploadArchiveObject } from '../../lambdas/transfer/upload-archive-object';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { expectedBackupDigest, startNpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';

/**
 * Full-object checksums and backup tags against moto_server, a real S3 protocol peer that stores
 * x-amz-checksum-* values and tags (s3rver does neither).
 */
const RUN = motoAvailable('archive-checksums.integ.spec.ts');

let moto: MotoServer;
let s3: S3Client;
let buckets = 0;

const newBucket = async (options: { lock?: boolean } = {}) => {
  const bucket = `checksums-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(options.lock ? { ObjectLockEnabledForBucket: true } : {}) }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return bucket;
};
const checksumOf = (algorithm: FullObjectChecksumAlgorithm, data: Buffer) => {
  const running = createRunningChecksum(algorithm);
  running.update(data);
  return running.digestBase64();
};
const head = (bucket: string, key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
const tagsOf = async (bucket: string, key: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];
const upload = (bucket: string, key: string, data: Buffer, extra: { checksum?: FullObjectChecksumAlgorithm; partSize?: number } = {}) =>
  uploadArchiveObject({
    s3,
    bucket,
    key,
    body: Readable.from([data]),
    expectedSize: data.length,
    contentType: 'application/octet-stream',
    deviceId: 'ar11',
    tags: { 'backup-runner:kind': 'backup' },
    ...extra,
  });

describe.runIf(RUN)('full-object checksums and tags on moto_server', () => {
  beforeAll(async () => {
    moto = await startMoto();
    s3 = moto.client();
  });
  afterAll(async () => {
    await moto?.close();
  });

  it.each(['CRC64NVME', 'CRC32C'] as const)(
    'a single-part upload stores the %s the SDK sent, equal to the one the manifest records, and the backup tag',
    async (algorithm) => {
      const bucket = await newBucket();
      const data = randomBytes(300_001);
      const result = await upload(bucket, 'backups/a.bin', data, { checksum: algorithm });
      expect(result.checksum).toEqual({ algorithm, value: checksumOf(algorithm, data), type: 'FULL_OBJECT' });
      // moto keeps the value the SDK computed and sent: our implementation agrees with the SDK's.
      const stored = await head(bucket, 'backups/a.bin');
      expect(algorithm === 'CRC64NVME' ? stored.ChecksumCRC64NVME : stored.ChecksumCRC32C).toBe(result.checksum!.value);
      expect(await tagsOf(bucket, 'backups/a.bin')).toEqual([{ Key: 'backup-runner:kind', Value: 'backup' }]);
    },
  );

  it('a multipart upload is stored with a FULL_OBJECT checksum, the computed CRC64NVME recorded, the bytes intact and tagged', async () => {
    const bucket = await newBucket();
    const data = randomBytes(11 * MiB + 3);
    const result = await upload(bucket, 'backups/big.bin', data, { partSize: 5 * MiB });
    expect(result).toMatchObject({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    expect(result.checksum).toEqual({ algorithm: 'CRC64NVME', value: checksumOf('CRC64NVME', data), type: 'FULL_OBJECT' });
    const stored = await head(bucket, 'backups/big.bin');
    expect(stored.ChecksumType).toBe('FULL_OBJECT');
    // moto computes a multipart object's value itself; without the optional awscrt package it
    // computes CRC32 in place of CRC64NVME (support/moto.ts). Real S3 reports the CRC64NVME,
    // which uploadArchiveObject then compares with its own.
    const storedBytes = Buffer.from(stored.ChecksumCRC64NVME ?? '', 'base64');
    if (storedBytes.length === 8) expect(stored.ChecksumCRC64NVME).toBe(result.checksum!.value);
    else expect(storedBytes.readUInt32BE(0)).toBe(crc32(data));
    expect(await tagsOf(bucket, 'backups/big.bin')).toEqual([{ Key: 'backup-runner:kind', Value: 'backup' }]);
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'backups/big.bin' }));
    expect(Buffer.from(await body.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('a local run records the checksum in the manifest, tags the backup but not its manifest, into an Object Lock bucket', async () => {
    const sim = await startNpmV1Simulator({ tls: true, backupSize: 2 * MiB + 5, backupDurationMs: 100, seed: 3 });
    try {
      // Default retention makes S3 refuse any upload without Content-MD5 or a checksum: the
      // manifest must carry one too, whatever the client's default.
      const bucket = await newBucket({ lock: true });
      await s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
        }),
      );
      const config = parseConfig({
        archive: { bucket, prefix: 'backups/' },
        devices: [
          {
            id: 'ar11',
            type: 'riverbed-npm-v1',
            url: sim.url,
            secret: 'backup-runner/s',
            tls: { fingerprint256: sim.fingerprint256 },
            poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
          },
        ],
      });
      const [result] = await runBackupsLocally({
        config,
        secrets: staticSecretSource({ 'backup-runner/s': { username: 'admin', password: 'admin' } }),
        archive: { bucket, s3, checksum: 'CRC64NVME' },
        log: silentLog,
        overrides: { waitTimeOverrides: { WaitForDevice: 50 } },
      });
      expect(result).toMatchObject({ status: 'SUCCEEDED' });
      const key = result!.key!;
      const manifest = await readManifest(s3, bucket, `${key}.manifest.json`);
      const stored = await head(bucket, key);
      expect(manifest.object.sha256).toBe(expectedBackupDigest(3, result!.deviceBackupId!, 2 * MiB + 5).sha256);
      expect(manifest.object.checksum).toEqual({ algorithm: 'CRC64NVME', value: expect.stringMatching(/^[A-Za-z0-9+/]{11}=$/), type: 'FULL_OBJECT' });
      expect(manifest.object.versionId).toBe(stored.VersionId);
      expect(stored.ObjectLockMode).toBe('GOVERNANCE');
      expect(await tagsOf(bucket, key)).toEqual([{ Key: 'backup-runner:kind', Value: 'backup' }]);
      expect(await tagsOf(bucket, `${key}.manifest.json`)).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
