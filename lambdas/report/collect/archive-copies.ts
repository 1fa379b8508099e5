import type { S3Client } from '@aws-sdk/client-s3';
import { isS3ErrorNamed, listAll, type Listed } from '../../archive/catalog';
import { IntegrityError } from '../../common/errors';
import { mapLimit } from '../../common/map-limit';
import { manifestKeyFor, objectKeyForManifest, parseArchiveKey } from '../../archive/keys';
import { readManifest } from '../../archive/manifest';
import type { ArchiveCopy } from '../report-input';

/**
 * The committed copies of the whole archive for the report, at a cost that grows with the number
 * of devices, not of copies: one listing of the prefix (object and manifest both listed: a
 * committed backup, as the freshness check counts them; the key holds the time, the listing the
 * size and storage class) plus, per device, a read of its newest manifest, which is validated
 * (schema, object, device) and gives the device type and the occurrence it served. A newest
 * manifest that does not validate is not a committed backup: it is left out, said in the notes,
 * and the next one is read. `backup-runner verify` reads every manifest and object.
 */

export interface CollectedCopies {
  copies: ArchiveCopy[];
  notes: string[];
}

export interface CollectCopiesOptions {
  /** `archive.prefix`. */
  prefix: string;
  /** Manifest reads in flight at once. @default 16 */
  concurrency?: number;
}

/** How many newest manifests of one device are tried before its copies are reported from the listing alone. */
const MANIFEST_ATTEMPTS = 3;

export async function collectArchiveCopies(s3: S3Client, bucket: string, options: CollectCopiesOptions): Promise<CollectedCopies> {
  const listed = await listAll(s3, bucket, options.prefix, undefined);
  const { copies: candidates, incomplete } = committedFromListing(listed, options.prefix);
  const notes: string[] = [];
  if (incomplete) notes.push(`${incomplete} object(s) without a manifest (incomplete uploads) are not counted; \`backup-runner verify\` names them.`);

  const byDevice = new Map<string, ArchiveCopy[]>();
  for (const c of candidates) {
    const list = byDevice.get(c.deviceId);
    if (list) list.push(c);
    else byDevice.set(c.deviceId, [c]);
  }
  const refused = new Set<string>();
  await mapLimit([...byDevice.values()], options.concurrency ?? 16, async (list) => {
    list.sort((a, b) => b.time.getTime() - a.time.getTime());
    for (const copy of list.slice(0, MANIFEST_ATTEMPTS)) {
      try {
        const manifest = await readManifest(s3, bucket, manifestKeyFor(copy.key));
        if (manifest.device.id !== copy.deviceId) {
          throw new IntegrityError(`the manifest s3://${bucket}/${manifestKeyFor(copy.key)} is for device "${manifest.device.id}", not "${copy.deviceId}" whose folder it is in`);
        }
        copy.time = new Date(manifest.run.startedAt);
        copy.deviceType = manifest.device.type;
        copy.occurrence = manifest.run.occurrence ? new Date(manifest.run.occurrence) : null;
        copy.size = manifest.object.size;
        return;
      } catch (error) {
        if (error instanceof IntegrityError) {
          refused.add(copy.key);
          notes.push(`${copy.deviceId}: not counted, its manifest is unreadable: ${error.message}`);
          continue;
        }
        if (isS3ErrorNamed(error, 'NoSuchKey')) {
          // Pruned between the listing and the read: no longer committed.
          refused.add(copy.key);
          continue;
        }
        throw error;
      }
    }
  });
  return { copies: candidates.filter((c) => !refused.has(c.key)), notes };
}

/** Objects whose manifest is listed beside them, as copies (time from the key); and how many objects have none. Pure. */
export function committedFromListing(listed: readonly Listed[], prefix: string): { copies: ArchiveCopy[]; incomplete: number } {
  const manifests = new Set<string>();
  for (const item of listed) {
    const objectKey = objectKeyForManifest(item.key);
    if (objectKey !== undefined) manifests.add(objectKey);
  }
  const copies: ArchiveCopy[] = [];
  let incomplete = 0;
  for (const item of listed) {
    const parts = parseArchiveKey(item.key, prefix);
    if (!parts) continue; // manifests, the runner's own objects, foreign keys
    if (!manifests.has(item.key)) {
      incomplete++;
      continue;
    }
    copies.push({ deviceId: parts.deviceId, key: item.key, time: parts.time, size: item.size, storageClass: item.storageClass });
  }
  return { copies, incomplete };
}
