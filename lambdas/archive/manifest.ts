import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { IntegrityError } from '../common/errors';
import { deviceIdSchema } from '../config/schema';
import { manifestKeyFor, objectKeyForManifest } from './keys';

export { RUNNER_VERSION } from './runner-version';

/**
 * The manifest beside each archived object (DESIGN.md, "Archive layout"). It is written after
 * the object and is the commit mark: an object without one is an incomplete upload, never listed,
 * restored or counted by retention. Unknown fields are dropped on read, so a newer runner may add
 * optional fields without a new schemaVersion; a change that old readers would misread needs one.
 */

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-02-27T15:46:00Z' });

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  device: z.object({
    id: deviceIdSchema,
    /** The driver type, e.g. riverbed-npm-v1 (a plain string: manifests outlive config schemas). */
    type: z.string().min(1),
    hostname: z.string().optional(),
    model: z.string().optional(),
    serial: z.string().optional(),
    softwareVersion: z.string().optional(),
  }),
  backup: z.object({
    /** The device's own id for the backup. */
    deviceBackupId: z.string().min(1),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  object: z.object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    size: z.number().int().min(0),
    /** Lowercase hex SHA-256 of the object's bytes. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    contentType: z.string().min(1),
    versionId: z.string().min(1).optional(),
    /**
     * The full-object checksum S3 stores with the object (x-amz-checksum-*), computed from the
     * device's bytes and confirmed by S3 where it reported its own. Optional: manifests written
     * before it existed, and uploads to servers without checksums (s3rver), have none.
     */
    checksum: z
      .object({
        algorithm: z.enum(['CRC64NVME', 'CRC32C']),
        /** Base64 of the big-endian value, as S3 shows it. */
        value: z.string().regex(/^[A-Za-z0-9+/]{6}==$|^[A-Za-z0-9+/]{11}=$/, 'must be a base64 CRC32C (4 bytes) or CRC64NVME (8 bytes) value'),
        type: z.literal('FULL_OBJECT'),
      })
      .refine((c) => Buffer.from(c.value, 'base64').length === (c.algorithm === 'CRC64NVME' ? 8 : 4), {
        message: 'value length does not fit the algorithm (CRC64NVME: 8 bytes, CRC32C: 4 bytes)',
      })
      .optional(),
  }),
  run: z.object({
    /** The Step Functions execution (or local run) that made the backup. */
    executionName: z.string().min(1),
    runId: z.string().min(1),
    /** The scheduled occurrence this run served; null for on-demand runs. */
    occurrence: isoTime.nullable(),
    startedAt: isoTime,
    finishedAt: isoTime,
  }),
  runner: z.object({ version: z.string().min(1) }),
});

export type Manifest = z.output<typeof manifestSchema>;

/**
 * Writes the manifest beside its object (the commit mark: call it only once the object is stored).
 * Refuses to write a manifest that would not read back.
 */
export async function writeManifest(s3: S3Client, manifest: Manifest): Promise<{ key: string; versionId?: string }> {
  const checked = manifestSchema.safeParse(manifest);
  if (!checked.success) {
    throw new IntegrityError(`refusing to write an invalid manifest for s3://${manifest.object?.bucket}/${manifest.object?.key}: ${describeIssues(checked.error)}`, {
      deviceId: manifest.device?.id,
    });
  }
  const key = manifestKeyFor(checked.data.object.key);
  const result = await s3.send(
    new PutObjectCommand({
      Bucket: checked.data.object.bucket,
      Key: key,
      Body: `${JSON.stringify(checked.data, null, 2)}\n`,
      ContentType: 'application/json',
      // Always with a checksum, whatever the client's default: S3 refuses uploads without
      // Content-MD5 or a checksum into a bucket with Object Lock default retention. A string body
      // goes as a header, which servers without checksums (s3rver) simply ignore.
      ChecksumAlgorithm: 'CRC64NVME',
    }),
  );
  return { key, ...(result.VersionId ? { versionId: result.VersionId } : {}) };
}

/**
 * Reads and validates a manifest. A manifest that is not JSON, does not fit the schema, or
 * describes another object than the one beside it is an IntegrityError naming its key.
 * S3 errors (NoSuchKey: no manifest, so no committed backup) pass through unchanged.
 */
export async function readManifest(s3: S3Client, bucket: string, manifestKey: string): Promise<Manifest> {
  const where = `s3://${bucket}/${manifestKey}`;
  const objectKey = objectKeyForManifest(manifestKey);
  if (objectKey === undefined) {
    throw new IntegrityError(`${where} is not a manifest key (manifest keys end with .manifest.json)`);
  }
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }));
  const text = (await response.Body?.transformToString('utf-8')) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new IntegrityError(`the manifest ${where} is not JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new IntegrityError(`the manifest ${where} is malformed: ${describeIssues(parsed.error)}`);
  }
  const manifest = parsed.data;
  if (manifest.object.bucket !== bucket || manifest.object.key !== objectKey) {
    throw new IntegrityError(
      `the manifest ${where} describes s3://${manifest.object.bucket}/${manifest.object.key}, not the object beside it (s3://${bucket}/${objectKey})`,
      { deviceId: manifest.device.id },
    );
  }
  return manifest;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
