import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompleteMultipartUploadCommandOutput,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { IntegrityError } from '../../common/errors';
import type { Log } from '../../common/log';
import type { FullObjectChecksumAlgorithm } from '../full-object-checksum';
import { withUnsignedPayloadWhereSafe } from './unsigned-payload';

/**
 * The S3 multipart calls of a resumable transfer, in one place: our own small uploader, because
 * lib-storage cannot continue an existing UploadId. Per-part checksums are computed by the SDK
 * (ChecksumAlgorithm on UploadPart; S3 checks each part on arrival) and S3 combines them into the
 * FULL_OBJECT value on completion.
 */
export interface ObjectTarget {
  s3: S3Client;
  bucket: string;
  key: string;
  deviceId: string;
}

export interface NewObjectFields {
  contentType: string;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
  /** undefined: no checksum asked for (s3rver). */
  algorithm?: FullObjectChecksumAlgorithm;
}

/** A stored part as CompleteMultipartUpload needs it. */
export interface StoredPart {
  PartNumber: number;
  ETag: string;
  ChecksumCRC64NVME?: string;
  ChecksumCRC32C?: string;
  /** Bytes, when S3 listed it (ListParts); checked against the part size. */
  Size?: number;
}

function objectFields(fields: NewObjectFields) {
  return {
    ContentType: fields.contentType,
    Metadata: fields.metadata,
    ...(fields.algorithm ? { ChecksumAlgorithm: fields.algorithm, ChecksumType: 'FULL_OBJECT' as const } : {}),
    // With the upload itself (x-amz-tagging), so the object is never untagged.
    ...(fields.tags && Object.keys(fields.tags).length > 0 ? { Tagging: new URLSearchParams(fields.tags).toString() } : {}),
  };
}

/** A whole object that fits in one part: one PutObject, as lib-storage does for small bodies. */
export async function putWholeObject(target: ObjectTarget, fields: NewObjectFields, body: Buffer) {
  return target.s3.send(
    withUnsignedPayloadWhereSafe(new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: body, ContentLength: body.length, ...objectFields(fields) })),
  );
}

export async function createUpload(target: ObjectTarget, fields: NewObjectFields): Promise<string> {
  const created = await target.s3.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ...objectFields(fields) }));
  if (!created.UploadId) throw new Error(`S3 started no multipart upload for s3://${target.bucket}/${target.key} (no UploadId)`);
  return created.UploadId;
}

export async function uploadPart(target: ObjectTarget, uploadId: string, partNumber: number, body: Buffer, algorithm: FullObjectChecksumAlgorithm | undefined): Promise<StoredPart> {
  const answer = await target.s3.send(
    withUnsignedPayloadWhereSafe(
      new UploadPartCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
        ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      }),
    ),
  );
  if (!answer.ETag) throw new Error(`S3 returned no ETag for part ${partNumber} of s3://${target.bucket}/${target.key}`);
  return {
    PartNumber: partNumber,
    ETag: answer.ETag,
    ...(answer.ChecksumCRC64NVME ? { ChecksumCRC64NVME: answer.ChecksumCRC64NVME } : {}),
    ...(answer.ChecksumCRC32C ? { ChecksumCRC32C: answer.ChecksumCRC32C } : {}),
  };
}

/** Every part S3 holds for the upload (ListParts, 1,000 a page). */
export async function listStoredParts(target: ObjectTarget, uploadId: string): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  do {
    const page = await target.s3.send(new ListPartsCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
    for (const p of page.Parts ?? []) {
      if (p.PartNumber === undefined || !p.ETag) continue;
      parts.push({
        PartNumber: p.PartNumber,
        ETag: p.ETag,
        ...(p.Size !== undefined ? { Size: p.Size } : {}),
        ...(p.ChecksumCRC64NVME ? { ChecksumCRC64NVME: p.ChecksumCRC64NVME } : {}),
        ...(p.ChecksumCRC32C ? { ChecksumCRC32C: p.ChecksumCRC32C } : {}),
      });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

/**
 * Checks that S3 holds exactly parts 1..count, each of `partSize` bytes (when listed with a
 * size): a missing or odd-sized earlier part would make the object differ from what was hashed.
 */
export function checkEarlierParts(parts: readonly StoredPart[], count: number, partSize: number, deviceId: string, where: string): StoredPart[] {
  const byNumber = new Map(parts.map((p) => [p.PartNumber, p]));
  const chosen: StoredPart[] = [];
  for (let n = 1; n <= count; n++) {
    const part = byNumber.get(n);
    if (!part) throw new IntegrityError(`part ${n} of the multipart upload of ${where} is missing in S3; the backup is not committed`, { deviceId });
    if (part.Size !== undefined && part.Size !== partSize) {
      throw new IntegrityError(`part ${n} of the multipart upload of ${where} has ${part.Size} bytes in S3, expected ${partSize}; the backup is not committed`, { deviceId });
    }
    chosen.push(part);
  }
  return chosen;
}

export async function completeUpload(target: ObjectTarget, uploadId: string, parts: readonly StoredPart[], algorithm: FullObjectChecksumAlgorithm | undefined): Promise<CompleteMultipartUploadCommandOutput> {
  const completed: CompletedPart[] = parts.map(({ Size: _size, ...part }) => part);
  return target.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: completed },
      ...(algorithm ? { ChecksumType: 'FULL_OBJECT' as const } : {}),
    }),
  );
}

/**
 * Best effort: the original failure matters more to the workflow, and the bucket's lifecycle rule
 * for incomplete multipart uploads removes the parts later if this fails.
 */
export async function abortUpload(target: ObjectTarget, uploadId: string, log: Log): Promise<void> {
  try {
    await target.s3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }));
  } catch (error) {
    log.error('could not abort the multipart upload of a failed transfer; its parts stay until the lifecycle rule removes them', {
      deviceId: target.deviceId,
      bucket: target.bucket,
      key: target.key,
      uploadId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}
