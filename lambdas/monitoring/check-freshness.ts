import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../common/log';
import { deviceIdsOf, scheduledDevicesOf, type FleetIndex } from '../fleet/fleet-index';
import { parseSchedule, type Schedule } from '../schedule';
import type { DeviceHealthStore } from './device-health';
import { MAX_LISTED_DEVICES, type FleetNotice } from './events';
import { assessFailures, assessStaleness, type ScheduledDevice } from './fleet-health';
import { listArchiveKeys, newestCommittedByDevice } from './freshness';
import { METRICS } from './metric-plan';
import type { MetricSink, RunnerEventSink } from './ports';

export interface FreshnessDeps {
  /** The deployed fleet: device ids and schedules. */
  fleet: FleetIndex;
  /** The archive's key prefix (config archive.prefix). */
  prefix: string;
  archive: { bucket: string; s3: S3Client };
  health: DeviceHealthStore;
  metrics: MetricSink;
  events: RunnerEventSink;
  log: Log;
}

/** One run of the check: its scheduled time and the period of its schedule (its window is (at - every, at]). */
export interface CheckRun {
  at: Date;
  everyMs: number;
}

export interface FreshnessOutcome {
  checked: number;
  /** Scheduled devices with no committed backup yet: no age to compare. */
  neverBackedUp: string[];
  ages: Record<string, number | null>;
  stale: string[];
  newlyStale: string[];
  failing: string[];
  newlyFailing: string[];
}

/**
 * The fleet health check. From one listing of the archive keys (the key holds the time: no
 * manifest reads) it publishes each scheduled device's backup age (NewestBackupAgeHours, per
 * device, for the dashboard) and the number of stale devices (StaleDevices); from the health
 * records the execution reporter keeps, the number of devices whose latest backup failed
 * (FailingDevices). The fleet's two alarms watch these counts. Devices that went stale or started
 * failing in this run's window are named in one "Backups Stale" / "Backups Failing" event each,
 * which the alerts topic receives. A heartbeat (FreshnessDevicesChecked) makes a check that stops
 * running an alarm too.
 */
export async function checkFreshness(deps: FreshnessDeps, run: CheckRun): Promise<FreshnessOutcome> {
  const scheduled: ScheduledDevice[] = scheduledDevicesOf(deps.fleet).map((d) => ({ id: d.id, schedule: parsedSchedule(d.schedule) }));
  const keys = await listArchiveKeys(deps.archive.s3, deps.archive.bucket, deps.prefix);
  const staleness = assessStaleness(scheduled, newestCommittedByDevice(keys, deps.prefix), run.at, run.everyMs);
  const failures = assessFailures(await deps.health.failing(), deviceIdsOf(deps.fleet), run.at, run.everyMs);

  for (const [deviceId, age] of staleness.ages) {
    if (age !== null) deps.metrics.publish([{ name: METRICS.newestBackupAge, unit: 'None', value: age }], deviceId);
  }
  deps.metrics.publish([
    { name: METRICS.devicesChecked, unit: 'Count', value: scheduled.length },
    { name: METRICS.staleDevices, unit: 'Count', value: staleness.stale.length },
    { name: METRICS.failingDevices, unit: 'Count', value: failures.failing.length },
  ]);

  const windowStart = new Date(run.at.getTime() - run.everyMs).toISOString();
  const checkedAt = run.at.toISOString();
  const notices: FleetNotice[] = [];
  if (failures.newlyFailing.length > 0) {
    notices.push({
      detailType: 'Backups Failing',
      detail: {
        windowStart,
        checkedAt,
        failingCount: failures.failing.length,
        newlyFailingCount: failures.newlyFailing.length,
        newlyFailing: failures.newlyFailing.slice(0, MAX_LISTED_DEVICES).map(({ deviceId, since, executionName, error, cause }) => ({ deviceId, since, executionName, error, cause })),
      },
    });
  }
  if (staleness.newlyStale.length > 0) {
    notices.push({
      detailType: 'Backups Stale',
      detail: {
        windowStart,
        checkedAt,
        staleCount: staleness.stale.length,
        newlyStaleCount: staleness.newlyStale.length,
        newlyStale: staleness.newlyStale.slice(0, MAX_LISTED_DEVICES),
      },
    });
  }
  for (const notice of notices) await deps.events.publish(notice);

  const outcome: FreshnessOutcome = {
    checked: scheduled.length,
    neverBackedUp: staleness.neverBackedUp,
    ages: Object.fromEntries(staleness.ages),
    stale: staleness.stale.map((s) => s.deviceId),
    newlyStale: staleness.newlyStale.map((s) => s.deviceId),
    failing: failures.failing.map((f) => f.deviceId),
    newlyFailing: failures.newlyFailing.map((f) => f.deviceId),
  };
  deps.log.info('fleet health check', {
    checked: outcome.checked,
    stale: outcome.stale.length,
    failing: outcome.failing.length,
    newlyStale: outcome.newlyStale.slice(0, MAX_LISTED_DEVICES),
    newlyFailing: outcome.newlyFailing.slice(0, MAX_LISTED_DEVICES),
    neverBackedUp: outcome.neverBackedUp.slice(0, MAX_LISTED_DEVICES),
  });
  return outcome;
}

/** Devices that share a rule share its index entry: parse each entry once (the WeakMap keeps a warm container's parses). */
const parsed = new WeakMap<object, Schedule>();
function parsedSchedule(entry: FleetIndex['schedules'][number]): Schedule {
  let schedule = parsed.get(entry);
  if (!schedule) {
    schedule = parseSchedule(entry.rrule, entry.timezone);
    parsed.set(entry, schedule);
  }
  return schedule;
}
