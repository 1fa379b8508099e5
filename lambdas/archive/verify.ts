import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../common/map-limit';
import { isS3ErrorNamed, listCatalog, type CatalogBackup } from './catalog';
import { objectSha256 } from './object-sha256';
import { describeS3Error } from './errors';

/**
 * Integrity check of the archive: every readable object is streamed through SHA-256 and compared
 * with its manifest (size and hash). Objects in a cold tier (GLACIER, DEEP_ARCHIVE) without a
 * completed restore are reported, not read: reading them would fail, and a restore costs money
 * and hours, which is the operator's call.
 */

export type VerifyFinding =
  | { kind: 'ok'; deviceId: string; key: string; size: number; sha256: string }
  | { kind: 'mismatch'; deviceId: string; key: string; message: string }
  | { kind: 'missing-manifest'; deviceId: string; key: string; lastModified: Date; size: number }
  | { kind: 'missing-object'; deviceId: string; key: string; manifestKey: string }
  | { kind: 'unreadable-manifest'; deviceId: string; key: string; manifestKey: string; message: string }
  | { kind: 'cold'; deviceId: string; key: string; storageClass: string }
  | { kind: 'read-failed'; deviceId: string; key: string; message: string };

/** Classes whose objects need a RestoreObject before they can be read. */
export const COLD_STORAGE_CLASSES: readonly string[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** Findings that make `verify` fail; `ok` and `cold` (reported, nothing wrong known) do not. */
export function isProblem(finding: VerifyFinding): boolean {
  return finding.kind !== 'ok' && finding.kind !== 'cold';
}

export interface VerifyOptions {
  prefix: string;
  deviceId?: string | undefined;
  /** Objects read at once. @default 2 */
  concurrency?: number;
  /** Called as each object is done, so a long verify shows progress. */
  onFinding?: (finding: VerifyFinding) => void;
}

/** Verifies a device's (or every device's) archive; findings in catalog order, problems without an object first. */
export async function verifyArchive(s3: S3Client, bucket: string, options: VerifyOptions): Promise<VerifyFinding[]> {
  const catalog = await listCatalog(s3, bucket, { prefix: options.prefix, deviceId: options.deviceId });
  const report = (finding: VerifyFinding) => {
    options.onFinding?.(finding);
    return finding;
  };
  const findings: VerifyFinding[] = [
    ...catalog.danglingManifests.map((m) => report({ kind: 'missing-object', ...m })),
    ...catalog.unreadableManifests.map((m) => report({ kind: 'unreadable-manifest', ...m })),
    ...catalog.incomplete.map(({ deviceId, key, lastModified, size }) => report({ kind: 'missing-manifest', deviceId, key, lastModified, size })),
  ];
  const checked = await mapLimit(catalog.backups, options.concurrency ?? 2, async (backup) => report(await verifyBackup(s3, bucket, backup)));
  return [...findings, ...checked];
}

/** One backup: cold check, then a full read through SHA-256 compared with the manifest. */
export async function verifyBackup(s3: S3Client, bucket: string, backup: CatalogBackup): Promise<VerifyFinding> {
  const { deviceId, key } = backup;
  const where = `s3://${bucket}/${key}`;
  try {
    if (COLD_STORAGE_CLASSES.includes(backup.storageClass) && !(await isRestored(s3, bucket, key))) {
      return { kind: 'cold', deviceId, key, storageClass: backup.storageClass };
    }
    const { size, sha256 } = await objectSha256(s3, bucket, key);
    const problems: string[] = [];
    if (size !== backup.size) problems.push(`read ${size} bytes, the manifest says ${backup.size}`);
    if (sha256 !== backup.sha256) problems.push(`SHA-256 is ${sha256}, the manifest says ${backup.sha256}`);
    if (problems.length) return { kind: 'mismatch', deviceId, key, message: `${where}: ${problems.join('; ')}` };
    return { kind: 'ok', deviceId, key, size, sha256 };
  } catch (error) {
    // Intelligent-Tiering's archive tiers and restores that expired mid-run answer this way.
    if (isS3ErrorNamed(error, 'InvalidObjectState')) return { kind: 'cold', deviceId, key, storageClass: backup.storageClass };
    return { kind: 'read-failed', deviceId, key, message: `cannot read ${where}: ${describeS3Error(error)}` };
  }
}

/** A completed restore shows as `Restore: ongoing-request="false", expiry-date="..."` on HEAD. */
async function isRestored(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return /ongoing-request="false"/.test(head.Restore ?? '');
}
