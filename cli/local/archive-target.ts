import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import type { ArchiveConfig } from '../../lambdas/config/schema';
import type { ArchiveChecksumOption } from '../../lambdas/transfer/archive-object';
import { startEmbeddedS3 } from './embedded-s3';
import { stateDirectory } from './state-dir';

export interface ArchiveTarget {
  bucket: string;
  s3: S3Client;
  /** Where it is, for people: an endpoint URL or the embedded store's folder. */
  description: string;
  /** The full-object checksum uploads ask for: `archive.s3.checksum` for an endpoint, none for the embedded s3rver. */
  checksum: ArchiveChecksumOption;
  close(): Promise<void>;
}

/** Bucket used by the embedded S3 when the config names none. */
export const LOCAL_BUCKET = 'backup-runner-local';

/**
 * The archive of a local command: the S3 endpoint in the config, or an embedded s3rver whose
 * data stays under `.backup-runner/s3` (see stateDirectory) so later `list`/`verify`/`restore` calls see it.
 */
export async function openArchiveTarget(archive: ArchiveConfig, options: { stateDir?: string } = {}): Promise<ArchiveTarget> {
  const bucket = archive.bucket ?? LOCAL_BUCKET;
  if (archive.s3?.endpoint) {
    const s3 = new S3Client({
      endpoint: archive.s3.endpoint,
      region: archive.s3.region,
      forcePathStyle: archive.s3.forcePathStyle,
      // Without AWS credentials in the environment, use s3rver's fixed key (moto and MinIO-style test servers accept it too).
      ...(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE
        ? {}
        : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await ensureBucket(s3, bucket);
    return { bucket, s3, description: `${archive.s3.endpoint}/${bucket}`, checksum: archive.s3.checksum, close: async () => s3.destroy() };
  }
  const directory = join(options.stateDir ?? stateDirectory(), 's3');
  const embedded = await startEmbeddedS3({ directory, buckets: [bucket] });
  return {
    bucket,
    s3: embedded.client,
    description: `embedded S3 in ${directory} (bucket ${bucket})`,
    checksum: 'none',
    close: () => embedded.close(),
  };
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
