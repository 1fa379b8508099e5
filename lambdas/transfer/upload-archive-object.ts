import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, type Readable } from 'node:stream';
import { BackupRunnerError, DeviceUnreachable } from '../common/errors';
import type { Log } from '../common/log';
import { silentLog } from '../common/log';
import { CountingHash } from './counting-hash';
import { confirmChecksum, DEFAULT_ARCHIVE_CHECKSUM, DEFAULT_QUEUE_SIZE, type ArchiveChecksumOption, type UploadedObject } from './archive-object';
import { createRunningChecksum } from './full-object-checksum';
import { checkPartSize, choosePartSize } from './part-size';

export interface UploadArchiveObjectRequest {
  s3: S3Client;
  bucket: string;
  key: string;
  /** The device's stream; consumed, and destroyed on any failure. */
  body: Readable;
  /** Bytes the device announced; the upload fails unless exactly these arrive. Undefined when unknown. */
  expectedSize: number | undefined;
  contentType: string;
  /** For error messages. */
  deviceId: string;
  /** Default: choosePartSize(expectedSize). Memory is about (queueSize + 1) x partSize. */
  partSize?: number;
  /** Parts in flight at once. Default 4. */
  queueSize?: number;
  /** S3 user metadata (x-amz-meta-*). */
  metadata?: Record<string, string>;
  /**
   * The full-object checksum S3 stores with the object (see `ArchiveChecksumOption`).
   * Default: CRC64NVME, which real S3 and moto store; s3rver stores none, so local runs against it pass 'none'.
   */
  checksum?: ArchiveChecksumOption;
  /** Object tags set with the upload itself (x-amz-tagging), so the object is never untagged. */
  tags?: Record<string, string>;
  /** Where an abort that failed is reported. Default: silent. */
  log?: Log;
}


/**
 * Streams a device's backup into one S3 object (multipart when larger than a part), counting
 * and hashing on the way. Exactly the announced bytes, or nothing is stored: a size mismatch is an
 * IntegrityError, a failing source stream is rethrown as it came (a DeviceUnreachable stays one), and
 * in both cases the multipart upload is aborted. Memory stays about (queueSize + 1) x partSize.
 *
 * One-shot only (@aws-sdk/lib-storage cannot continue an existing UploadId): TransferToArchive
 * uses resumable/transferResumable, which can stop at a part boundary and continue in the next
 * invocation. This stays for uploads that must finish in one go and for the tests that check both
 * uploaders against the same S3 behaviour (checksums, Object Lock, memory).
 */
export async function uploadArchiveObject(request: UploadArchiveObjectRequest): Promise<UploadedObject> {
  const { s3, bucket, key, body, expectedSize, deviceId } = request;
  const log = request.log ?? silentLog;
  const { partSize, queueSize } = resolveSizes(request);
  const algorithm = request.checksum ?? DEFAULT_ARCHIVE_CHECKSUM;

  const counter = new CountingHash({
    deviceId,
    expectedSize,
    ...(algorithm !== 'none' ? { checksum: createRunningChecksum(algorithm) } : {}),
  });
  // The first error that broke the byte stream (the device's, or a size check's). It wins over
  // whatever lib-storage reports, so the workflow's Retry/Catch see the real cause.
  let streamFailure: unknown;
  counter.on('error', (error) => {
    streamFailure ??= error;
  });
  // pipeline destroys both streams whichever side fails, so the device connection is released
  // also when S3 fails; its own callback error adds nothing to what `done()` reports.
  pipeline(body, counter, () => {});

  // We abort the multipart upload ourselves (leavePartsOnError) because lib-storage, when its
  // abort fails, throws the abort's error in place of the original one.
  // With a checksum algorithm, the SDK computes and sends each part's checksum (S3 checks every
  // part on arrival) and S3 combines them into a FULL_OBJECT value for the whole object.
  // lib-storage 3.1169 forwards part checksums to CompleteMultipartUpload only for CRC32, CRC32C,
  // SHA1 and SHA256; S3 needs them there only for COMPOSITE checksums, so CRC64NVME works too.
  // Tags go with the upload (x-amz-tagging), not lib-storage's `tags` option, which would tag
  // the object afterwards in a second request and leave it untagged if that one failed.
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: key,
      Body: counter,
      ContentType: request.contentType,
      Metadata: request.metadata,
      ...(algorithm !== 'none' ? { ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' } : {}),
      ...(request.tags && Object.keys(request.tags).length > 0 ? { Tagging: new URLSearchParams(request.tags).toString() } : {}),
    },
    partSize,
    queueSize,
    leavePartsOnError: true,
  });

  let result;
  try {
    result = await upload.done();
  } catch (error) {
    body.destroy();
    await abortMultipartUpload(s3, bucket, key, upload.uploadId, deviceId, log);
    throw describeFailure(streamFailure ?? error, deviceId, counter.bytes);
  }
  // Outside the try: the object is stored by now, there is no upload left to abort.
  const checksum = algorithm === 'none' ? undefined : confirmChecksum(algorithm, counter.checksum, result, { bucket, key, deviceId, log });
  return {
    size: counter.bytes,
    sha256: counter.sha256,
    ...(result.VersionId ? { versionId: result.VersionId } : {}),
    ...(checksum ? { checksum } : {}),
  };
}

function resolveSizes(request: UploadArchiveObjectRequest): { partSize: number; queueSize: number } {
  const queueSize = request.queueSize ?? DEFAULT_QUEUE_SIZE;
  try {
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
      throw new RangeError(`queueSize ${queueSize} must be a whole number, 1 or more`);
    }
    const partSize =
      request.partSize === undefined ? choosePartSize(request.expectedSize) : checkPartSize(request.partSize, request.expectedSize);
    return { partSize, queueSize };
  } catch (error) {
    request.body.destroy();
    const message = error instanceof Error ? error.message : String(error);
    throw new BackupRunnerError(`cannot upload s3://${request.bucket}/${request.key}: ${message}`, { deviceId: request.deviceId, cause: error });
  }
}

async function abortMultipartUpload(
  s3: S3Client,
  bucket: string,
  key: string,
  uploadId: string | undefined,
  deviceId: string,
  log: Log,
): Promise<void> {
  // No upload id: nothing reached S3 (single-PUT bodies are sent only once the stream has ended well).
  if (!uploadId) return;
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (abortError) {
    // The original failure matters more to the workflow; the bucket's lifecycle rule for
    // incomplete multipart uploads removes the parts later.
    log.error('could not abort the multipart upload of a failed transfer; its parts stay until the lifecycle rule removes them', {
      deviceId,
      bucket,
      key,
      uploadId,
      error: abortError instanceof Error ? `${abortError.name}: ${abortError.message}` : String(abortError),
    });
  }
}

/** A source that closed without ending or erroring is a dropped connection: retry later. */
function describeFailure(error: unknown, deviceId: string, bytes: number): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new DeviceUnreachable(`the backup stream closed before its end after ${bytes} bytes`, { deviceId, cause: error });
  }
  return error;
}
