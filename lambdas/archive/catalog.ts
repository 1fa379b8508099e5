import { ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { IntegrityError } from '../common/errors';
import { mapLimit } from '../common/map-limit';
import { ArchiveError, describeS3Error } from './errors';
import { deviceKeyPrefix, manifestKeyFor, objectKeyForManifest, parseArchiveKey } from './keys';
import { readManifest, type Manifest } from './manifest';
import { readRetention } from './object-lock';

/**
 * The catalog: what the archive holds for one device (or all), from one paginated
 * ListObjectsV2 pass under the prefix plus one GET per manifest. Manifests are small and never
 * transition to a cold class (the lifecycle rules leave them out), so listing never needs a thaw.
 *
 * An object is a committed backup only when its manifest is there, reads and validates, and
 * describes it. Everything else is sorted into what retention and verify need to see:
 * objects without a manifest (incomplete uploads), manifests without an object, and manifests
 * that cannot be read (kept, never pruned: a broken manifest must not make a backup look like
 * garbage). Keys that are not archive keys are someone else's and are left out.
 */

export interface CatalogBackup {
  deviceId: string;
  key: string;
  manifestKey: string;
  /** When the backup was taken: the manifest's run.startedAt. */
  time: Date;
  /** The manifest's size (what the device sent). */
  size: number;
  /** The size S3 lists for the object; verify compares it with `size`. */
  listedSize: number;
  sha256: string;
  /** From the listing; S3 omits nothing for real buckets, STANDARD when a server does. */
  storageClass: string;
  lastModified: Date;
  manifest: Manifest;
  /** Object Lock retain-until of the object; only read with `readRetention`. */
  retainUntil?: Date;
}

export interface CatalogIncomplete {
  deviceId: string;
  key: string;
  lastModified: Date;
  size: number;
  storageClass: string;
}

export interface CatalogDanglingManifest {
  deviceId: string;
  /** The object key the manifest names, which the listing does not have. */
  key: string;
  manifestKey: string;
}

export interface CatalogUnreadableManifest {
  deviceId: string;
  key: string;
  manifestKey: string;
  /** Why it was refused, naming the manifest's location. */
  message: string;
}

export interface ArchiveCatalog {
  /** Newest first (ties by key). */
  backups: CatalogBackup[];
  /** Newest first. */
  incomplete: CatalogIncomplete[];
  danglingManifests: CatalogDanglingManifest[];
  unreadableManifests: CatalogUnreadableManifest[];
}

export interface ListCatalogOptions {
  /** `archive.prefix` (empty or ending in "/"). */
  prefix: string;
  /** One device's backups; all devices' when absent. */
  deviceId?: string | undefined;
  /**
   * Also read each backup's Object Lock retention (one GetObjectRetention per backup). Only for
   * buckets with Object Lock: the planner must not plan deletions that S3 would refuse.
   */
  readRetention?: boolean;
  /** Manifest reads in flight at once. @default 16 */
  concurrency?: number;
}

export interface Listed {
  key: string;
  size: number;
  storageClass: string;
  lastModified: Date;
}

/** Lists committed backups (newest first) and what retention and verify must know about the rest. */
export async function listCatalog(s3: S3Client, bucket: string, options: ListCatalogOptions): Promise<ArchiveCatalog> {
  const listPrefix = options.deviceId ? deviceKeyPrefix(options.prefix, options.deviceId) : options.prefix;
  const listed = await listAll(s3, bucket, listPrefix, options.deviceId);

  const objects = new Map<string, Listed & { deviceId: string }>();
  const manifests = new Map<string, Listed>();
  for (const item of listed) {
    const objectKey = objectKeyForManifest(item.key);
    if (objectKey !== undefined) {
      if (parseArchiveKey(objectKey, options.prefix)) manifests.set(item.key, item);
      continue;
    }
    const parts = parseArchiveKey(item.key, options.prefix);
    if (parts) objects.set(item.key, { ...item, deviceId: parts.deviceId });
  }

  const catalog: ArchiveCatalog = { backups: [], incomplete: [], danglingManifests: [], unreadableManifests: [] };
  for (const [manifestKey] of manifests) {
    const key = objectKeyForManifest(manifestKey)!;
    if (!objects.has(key)) catalog.danglingManifests.push({ deviceId: parseArchiveKey(key, options.prefix)!.deviceId, key, manifestKey });
  }
  const withManifest = [...objects.values()].filter((o) => manifests.has(manifestKeyFor(o.key)));
  catalog.incomplete = [...objects.values()]
    .filter((o) => !manifests.has(manifestKeyFor(o.key)))
    .map(({ deviceId, key, lastModified, size, storageClass }) => ({ deviceId, key, lastModified, size, storageClass }))
    .sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || compareDesc(a.key, b.key));

  const read = await mapLimit(withManifest, options.concurrency ?? 16, async (object) => {
    const manifestKey = manifestKeyFor(object.key);
    try {
      const manifest = await readManifest(s3, bucket, manifestKey);
      if (manifest.device.id !== object.deviceId) {
        throw new IntegrityError(`the manifest s3://${bucket}/${manifestKey} is for device "${manifest.device.id}", not "${object.deviceId}" whose folder it is in`);
      }
      const backup: CatalogBackup = {
        deviceId: object.deviceId,
        key: object.key,
        manifestKey,
        time: new Date(manifest.run.startedAt),
        size: manifest.object.size,
        listedSize: object.size,
        sha256: manifest.object.sha256,
        storageClass: object.storageClass,
        lastModified: object.lastModified,
        manifest,
      };
      return backup;
    } catch (error) {
      if (error instanceof IntegrityError) {
        return { deviceId: object.deviceId, key: object.key, manifestKey, message: error.message } satisfies CatalogUnreadableManifest;
      }
      if (isS3ErrorNamed(error, 'NoSuchKey')) {
        // Deleted between the listing and the read (a concurrent prune): no longer committed.
        return undefined;
      }
      throw new ArchiveError(`cannot read the manifest s3://${bucket}/${manifestKey}: ${describeS3Error(error)}`, {
        deviceId: object.deviceId,
        cause: error,
      });
    }
  });
  for (const entry of read) {
    if (!entry) continue;
    if ('manifest' in entry) catalog.backups.push(entry);
    else catalog.unreadableManifests.push(entry);
  }
  catalog.backups.sort((a, b) => b.time.getTime() - a.time.getTime() || compareDesc(a.key, b.key));

  if (options.readRetention) {
    await mapLimit(catalog.backups, options.concurrency ?? 16, async (backup) => {
      // The version the manifest recorded, when the bucket is versioned: retention belongs to a version.
      const versionId = backup.manifest.object.versionId;
      const retainUntil = await readRetention(s3, bucket, backup.key, { deviceId: backup.deviceId, ...(versionId ? { versionId } : {}) });
      if (retainUntil) backup.retainUntil = retainUntil;
    });
  }
  return catalog;
}

/** Every object under `prefix`, through all pages of ListObjectsV2. */
export async function listAll(s3: S3Client, bucket: string, prefix: string, deviceId: string | undefined): Promise<Listed[]> {
  const listed: Listed[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (error) {
      throw new ArchiveError(`cannot list s3://${bucket}/${prefix}: ${describeS3Error(error)}`, { ...(deviceId ? { deviceId } : {}), cause: error });
    }
    for (const item of page.Contents ?? []) {
      const entry = toListed(item);
      if (entry) listed.push(entry);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated && !token) {
      throw new ArchiveError(`listing s3://${bucket}/${prefix} is truncated but has no continuation token`, { ...(deviceId ? { deviceId } : {}) });
    }
  } while (token);
  return listed;
}

function toListed(item: _Object): Listed | undefined {
  if (!item.Key) return undefined;
  return {
    key: item.Key,
    size: item.Size ?? 0,
    storageClass: item.StorageClass ?? 'STANDARD',
    lastModified: item.LastModified ?? new Date(0),
  };
}

export function isS3ErrorNamed(error: unknown, name: string): boolean {
  return error instanceof Error && (error.name === name || (error as { Code?: string }).Code === name);
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
