import type { S3Client } from '@aws-sdk/client-s3';
import { IntegrityError } from '../common/errors';
import type { PreviousGoodBackup } from '../transfer/size-check';
import { listAll } from './catalog';
import { deviceKeyPrefix, manifestKeyFor, objectKeyForManifest, parseArchiveKey } from './keys';
import { readManifest } from './manifest';

/** Manifests read at most while looking for the previous good backup. */
const MAX_MANIFEST_READS = 5;

/**
 * The device's newest committed backup that is good: non-empty, and stored with the size its
 * manifest records. One listing of the device's keys, then manifests newest first until one
 * qualifies (usually the first). `except` is this run's own object, not yet committed.
 */
export async function previousGoodBackup(s3: S3Client, bucket: string, prefix: string, deviceId: string, except: string): Promise<PreviousGoodBackup | undefined> {
  const listed = await listAll(s3, bucket, deviceKeyPrefix(prefix, deviceId), deviceId);
  const manifests = new Set(listed.map((o) => objectKeyForManifest(o.key)).filter((k): k is string => k !== undefined));
  const candidates = listed
    .map((o) => ({ ...o, parts: parseArchiveKey(o.key, prefix) }))
    .filter((o) => o.parts?.deviceId === deviceId && o.key !== except && o.size > 0 && manifests.has(o.key))
    .sort((a, b) => b.parts!.time.getTime() - a.parts!.time.getTime() || (a.key < b.key ? 1 : -1));
  for (const candidate of candidates.slice(0, MAX_MANIFEST_READS)) {
    try {
      const manifest = await readManifest(s3, bucket, manifestKeyFor(candidate.key));
      if (manifest.object.size > 0 && manifest.object.size === candidate.size) return { key: candidate.key, size: candidate.size };
    } catch (error) {
      // An unreadable manifest does not make a good backup; look at the next one.
      if (!(error instanceof IntegrityError)) throw error;
    }
  }
  return undefined;
}
