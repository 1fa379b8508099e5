import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../common/log';
import { mapLimit } from '../common/map-limit';
import type { DeviceConfig, RunnerConfig } from '../config/schema';
import { listCatalog } from './catalog';
import { ArchiveError, describeS3Error } from './errors';
import { planRetention, type RetentionPlan } from './retention';
import { effectiveRetention, retentionTimeZone } from './retention-policy';

/**
 * Prune = catalog -> planRetention -> deletes. The prune step of the workflow and `backup-runner
 * prune` share these two functions, so what the dry run shows is what a real prune does.
 */

export interface PruneArchive {
  s3: S3Client;
  bucket: string;
}

/** Lists one device's archive and plans its retention under the config's policy. */
export async function planDevicePrune(
  archive: PruneArchive,
  config: RunnerConfig,
  device: DeviceConfig,
  options: { now: Date; runSucceeded: boolean },
): Promise<RetentionPlan> {
  const catalog = await listCatalog(archive.s3, archive.bucket, {
    prefix: config.archive.prefix,
    deviceId: device.id,
    // Only a bucket with Object Lock can hold retention; elsewhere the extra calls would be waste.
    readRetention: config.archive.objectLock !== undefined,
  });
  const timeZone = retentionTimeZone(device);
  try {
    return planRetention({
      deviceId: device.id,
      backups: catalog.backups.map(({ key, manifestKey, time, size, listedSize, retainUntil }) => ({ key, manifestKey, time, size, listedSize, retainUntil })),
      incomplete: catalog.incomplete.map(({ key, lastModified, size }) => ({ key, lastModified, size })),
      policy: effectiveRetention(config, device),
      timeZone,
      now: options.now,
      runSucceeded: options.runSucceeded,
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ArchiveError(`cannot plan retention in time zone "${timeZone}": ${error.message}`, { deviceId: device.id, cause: error });
    }
    throw error;
  }
}

export interface PruneOutcome {
  /** Every key deleted, in the order it was deleted. */
  deletedKeys: string[];
}

/**
 * Deletes what the plan says, each entry's keys in the plan's order (manifest first, see
 * PlanEntry.keys), a few entries at a time. Deleting an absent key succeeds in S3, so a prune
 * interrupted half-way is simply planned and applied again. In a versioned bucket each delete
 * adds a delete marker; the data versions go when the lifecycle's noncurrent expiry says so.
 */
export async function applyPrunePlan(archive: PruneArchive, plan: RetentionPlan, log: Log): Promise<PruneOutcome> {
  const deletedKeys: string[] = [];
  await mapLimit(plan.delete, 4, async (entry) => {
    for (const key of entry.keys) {
      try {
        await archive.s3.send(new DeleteObjectCommand({ Bucket: archive.bucket, Key: key }));
      } catch (error) {
        throw new ArchiveError(`cannot delete s3://${archive.bucket}/${key} (${entry.reasons.join('; ')}): ${describeS3Error(error)}`, {
          deviceId: plan.deviceId,
          cause: error,
        });
      }
      deletedKeys.push(key);
    }
    log.info('pruned', { deviceId: plan.deviceId, key: entry.key, kind: entry.kind, reasons: entry.reasons });
  });
  return { deletedKeys };
}
