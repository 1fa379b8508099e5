import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ArchiveError, describeS3Error } from '../archive/errors';
import { isManifestKey, objectKeyForManifest, parseArchiveKey } from '../archive/keys';

/**
 * The time of each device's newest committed backup (object and manifest both there), from the
 * archive keys alone: the key carries the time, so no manifest is read and the check costs one
 * LIST per 1,000 keys, however many devices there are. Pure over a key list.
 */
export function newestCommittedByDevice(keys: Iterable<string>, prefix: string): Map<string, Date> {
  const all = new Set(keys);
  const newest = new Map<string, Date>();
  for (const key of all) {
    if (!isManifestKey(key)) continue;
    const objectKey = objectKeyForManifest(key)!;
    if (!all.has(objectKey)) continue; // a manifest without its object is not a backup
    const parts = parseArchiveKey(objectKey, prefix);
    if (!parts) continue;
    const seen = newest.get(parts.deviceId);
    if (!seen || parts.time > seen) newest.set(parts.deviceId, parts.time);
  }
  return newest;
}

/** Every key under the archive prefix (one paginated ListObjectsV2 pass). */
export async function listArchiveKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (error) {
      throw new ArchiveError(`cannot list s3://${bucket}/${prefix} for the freshness check: ${describeS3Error(error)}`, { cause: error });
    }
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
