import { IntegrityError } from '../common/errors';
import type { Log } from '../common/log';
import type { FullObjectChecksumAlgorithm } from './full-object-checksum';

/**
 * What every upload of a backup object shares, whichever uploader sends it: the result, the
 * full-object checksum choice, and the check of S3's stored checksum against the computed one.
 */

export interface UploadedObject {
  size: number;
  /** Lowercase hex SHA-256 of the object's bytes. */
  sha256: string;
  /** Set when the bucket is versioned. */
  versionId?: string;
  /** The full-object checksum of the bytes; absent when the upload was asked for none. */
  checksum?: ObjectChecksum;
}

/**
 * Which full-object checksum an upload asks S3 to store: CRC64NVME (S3's own default, and the
 * only one it keeps as a full-object value for every size), CRC32C, or 'none' for S3 servers
 * that do not support checksums (s3rver).
 */
export type ArchiveChecksumOption = FullObjectChecksumAlgorithm | 'none';

export const DEFAULT_ARCHIVE_CHECKSUM: ArchiveChecksumOption = 'CRC64NVME';

/** A full-object checksum as the manifest records it. */
export interface ObjectChecksum {
  algorithm: FullObjectChecksumAlgorithm;
  /** Base64 of the big-endian value, as S3 shows it (x-amz-checksum-crc64nvme / -crc32c). */
  value: string;
  /** Always a checksum of the whole object, never one composed of part checksums. */
  type: 'FULL_OBJECT';
}

export const DEFAULT_QUEUE_SIZE = 4;

/** What S3 answered about the stored object's checksum (PutObject or CompleteMultipartUpload). */
export interface StoredChecksum {
  ChecksumCRC64NVME?: string | undefined;
  ChecksumCRC32C?: string | undefined;
  ChecksumType?: string | undefined;
}

/**
 * Compares the checksum S3 reports for the stored object with the one computed from the bytes
 * that left the device. A difference means S3 holds other bytes than we hashed: the upload is
 * not committed (no manifest follows). S3 answers with the value on PutObject and on
 * CompleteMultipartUpload; a server that does not (moto, for multipart) leaves our own value,
 * which still describes the object and lets a later reader check it.
 */
export function confirmChecksum(
  algorithm: FullObjectChecksumAlgorithm,
  computed: string | undefined,
  stored: StoredChecksum,
  where: { bucket: string; key: string; deviceId: string; log: Log },
): ObjectChecksum {
  if (computed === undefined) throw new Error(`no ${algorithm} was computed for s3://${where.bucket}/${where.key}`);
  const reported = algorithm === 'CRC64NVME' ? stored.ChecksumCRC64NVME : stored.ChecksumCRC32C;
  if (reported === undefined) {
    where.log.debug('S3 did not report the stored checksum; the manifest records the computed one', {
      deviceId: where.deviceId,
      key: where.key,
      algorithm,
    });
  } else if (stored.ChecksumType === 'COMPOSITE' || reported.includes('-')) {
    // A checksum of part checksums cannot be compared with a whole-object value.
    where.log.warn('S3 stored a composite checksum although a full-object one was asked for', { deviceId: where.deviceId, key: where.key, reported });
  } else if (reported !== computed) {
    throw new IntegrityError(
      `S3 stored s3://${where.bucket}/${where.key} with ${algorithm} ${reported}, but the bytes read from the device have ${computed}; the backup is not committed`,
      { deviceId: where.deviceId },
    );
  }
  return { algorithm, value: computed, type: 'FULL_OBJECT' };
}
