import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../common/log';
import type { RunnerConfig } from '../config/schema';
import { backupAgesHours, listArchiveKeys, newestCommittedByDevice } from './freshness';
import { METRICS } from './metric-plan';
import type { MetricSink } from './ports';

export interface FreshnessDeps {
  config: RunnerConfig;
  archive: { bucket: string; s3: S3Client };
  metrics: MetricSink;
  log: Log;
  now: () => Date;
}

export interface FreshnessOutcome {
  checked: number;
  /** Scheduled devices with no committed backup yet: no age to publish. */
  neverBackedUp: string[];
  ages: Record<string, number | null>;
}

/**
 * Publishes, per scheduled device, the age of its newest committed backup
 * (`NewestBackupAgeHours`); each device's stale alarm compares it with 1.5x its schedule's
 * interval. Also a heartbeat (`FreshnessDevicesChecked`), so a check that stops running alarms too.
 */
export async function checkFreshness(deps: FreshnessDeps): Promise<FreshnessOutcome> {
  const scheduled = deps.config.devices.filter((d) => d.schedule).map((d) => d.id);
  const keys = await listArchiveKeys(deps.archive.s3, deps.archive.bucket, deps.config.archive.prefix);
  const ages = backupAgesHours(scheduled, newestCommittedByDevice(keys, deps.config.archive.prefix), deps.now());
  const neverBackedUp: string[] = [];
  for (const [deviceId, age] of ages) {
    if (age === null) neverBackedUp.push(deviceId);
    else deps.metrics.publish([{ name: METRICS.newestBackupAge, unit: 'None', value: age }], deviceId);
  }
  deps.metrics.publish([{ name: METRICS.devicesChecked, unit: 'Count', value: scheduled.length }]);
  deps.log.info('freshness check', { checked: scheduled.length, neverBackedUp });
  return { checked: scheduled.length, neverBackedUp, ages: Object.fromEntries(ages) };
}
