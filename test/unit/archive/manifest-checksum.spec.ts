import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../lambdas/common/errors';
import { RUNNER_VERSION, manifestSchema, writeManifest, type Manifest } from '../../../lambdas/archive/manifest';

/** The manifest's optional `object.checksum` (S3's full-object checksum) and how manifests are written. */
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);
afterEach(() => s3Mock.reset());

const objectKey = 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz';

function manifest(checksum?: unknown): Manifest {
  return {
    schemaVersion: 1,
    device: { id: 'ar11-lab', type: 'riverbed-npm-v1' },
    backup: { deviceBackupId: '17', details: {} },
    object: {
      bucket: 'archive',
      key: objectKey,
      size: 1234,
      sha256: 'a'.repeat(64),
      contentType: 'application/x-gzip',
      ...(checksum === undefined ? {} : { checksum: checksum as Manifest['object']['checksum'] }),
    },
    run: { executionName: 'e', runId: 'r1', occurrence: null, startedAt: '2026-02-27T15:46:00.000Z', finishedAt: '2026-02-27T15:48:10.000Z' },
    runner: { version: RUNNER_VERSION },
  };
}

describe('manifest object.checksum', () => {
  it('reads manifests written before the field existed', () => {
    expect(manifestSchema.parse(manifest()).object.checksum).toBeUndefined();
  });

  it.each([
    { algorithm: 'CRC64NVME', value: 'rosUhgp5mIg=', type: 'FULL_OBJECT' },
    { algorithm: 'CRC32C', value: '4waSgw==', type: 'FULL_OBJECT' },
  ])('keeps a $algorithm value', (checksum) => {
    expect(manifestSchema.parse(manifest(checksum)).object.checksum).toEqual(checksum);
  });

  it.each([
    [{ algorithm: 'CRC64NVME', value: '4waSgw==', type: 'FULL_OBJECT' }, /value length does not fit the algorithm/],
    [{ algorithm: 'CRC32', value: '4waSgw==', type: 'FULL_OBJECT' }, /algorithm/],
    [{ algorithm: 'CRC32C', value: '4waSgw==-3', type: 'COMPOSITE' }, /value|type/],
    [{ algorithm: 'CRC32C', value: 'not base64!', type: 'FULL_OBJECT' }, /must be a base64 CRC32C \(4 bytes\) or CRC64NVME \(8 bytes\) value/],
  ])('refuses %j', (checksum, message) => {
    const parsed = manifestSchema.safeParse(manifest(checksum));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });

  it('writeManifest refuses to write a manifest with a malformed checksum', async () => {
    await expect(writeManifest(s3, manifest({ algorithm: 'CRC64NVME', value: 'x', type: 'FULL_OBJECT' }))).rejects.toThrow(IntegrityError);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('writes every manifest with a checksum of its own, so a bucket with Object Lock default retention accepts it', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    await writeManifest(s3, manifest({ algorithm: 'CRC64NVME', value: 'rosUhgp5mIg=', type: 'FULL_OBJECT' }));
    const input = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Key: `${objectKey}.manifest.json`, ChecksumAlgorithm: 'CRC64NVME' });
    expect(JSON.parse(String(input.Body)).object.checksum).toEqual({ algorithm: 'CRC64NVME', value: 'rosUhgp5mIg=', type: 'FULL_OBJECT' });
  });
});
