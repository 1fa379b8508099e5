import { nextOccurrences, type Schedule } from '../schedule';
import type { FailingDevice } from './device-health';
import { scheduleIntervalMs, STALE_FACTOR } from './schedule-interval';

/**
 * The fleet health check's decisions, pure: which scheduled devices are stale, and which stale or
 * failing devices are new in this check's window. Two fleet-level counts (StaleDevices,
 * FailingDevices) carry the alarms; each device is named once, in the notification of the window
 * its problem started in, so an operator learns which device without an alarm per device.
 *
 * Windows: the check runs every `every` on an EventBridge schedule, and the window of a run is
 * (scheduled time - every, scheduled time]. The schedule's times are regular (a retried or late
 * run keeps its scheduled time), so the windows tile: a device is reported in exactly one.
 */

export interface ScheduledDevice {
  readonly id: string;
  readonly schedule: Schedule;
}

export interface StaleDevice {
  readonly deviceId: string;
  /** Time of its newest committed backup. */
  readonly newestBackup: string;
  readonly ageHours: number;
  /** STALE_FACTOR x the longest gap between its schedule's occurrences. */
  readonly thresholdHours: number;
}

export interface StaleAssessment {
  readonly stale: StaleDevice[];
  /** Stale devices whose age crossed the threshold within the window. */
  readonly newlyStale: StaleDevice[];
  /** Scheduled devices with no committed backup at all: no age to compare. */
  readonly neverBackedUp: string[];
  /** Age in hours (two decimals) of each scheduled device's newest backup; null for none. */
  readonly ages: Map<string, number | null>;
}

const HOUR = 3_600_000;

/**
 * The threshold is only computed for devices it could concern: any one gap of a schedule is at
 * most its longest, so a device younger than STALE_FACTOR x its next gap is fresh without sampling
 * a year of occurrences (1 ms a rule). Thresholds are cached per parsed schedule, which devices
 * with the same rule share.
 */
export function assessStaleness(devices: readonly ScheduledDevice[], newest: ReadonlyMap<string, Date>, at: Date, windowMs: number): StaleAssessment {
  const thresholds = new Map<Schedule, number | undefined>();
  const nextGaps = new Map<Schedule, number | undefined>();
  const thresholdHours = (schedule: Schedule): number | undefined => {
    if (!thresholds.has(schedule)) {
      const interval = scheduleIntervalMs(schedule, at);
      thresholds.set(schedule, interval === undefined ? undefined : Math.round(((interval * STALE_FACTOR) / HOUR) * 100) / 100);
    }
    return thresholds.get(schedule);
  };
  const nextGapMs = (schedule: Schedule): number | undefined => {
    if (!nextGaps.has(schedule)) {
      const [a, b] = nextOccurrences(schedule, at, 2);
      nextGaps.set(schedule, a && b ? b.getTime() - a.getTime() : undefined);
    }
    return nextGaps.get(schedule);
  };
  const stale: StaleDevice[] = [];
  const newlyStale: StaleDevice[] = [];
  const neverBackedUp: string[] = [];
  const ages = new Map<string, number | null>();
  for (const device of devices) {
    const time = newest.get(device.id);
    if (!time) {
      ages.set(device.id, null);
      neverBackedUp.push(device.id);
      continue;
    }
    const ageMs = at.getTime() - time.getTime();
    const ageHours = Math.round((ageMs / HOUR) * 100) / 100;
    ages.set(device.id, ageHours);
    const gap = nextGapMs(device.schedule);
    if (gap !== undefined && ageMs <= gap * STALE_FACTOR) continue;
    const threshold = thresholdHours(device.schedule);
    if (threshold === undefined || !(ageHours > threshold)) continue;
    const entry: StaleDevice = { deviceId: device.id, newestBackup: time.toISOString(), ageHours, thresholdHours: threshold };
    stale.push(entry);
    // Not stale at the window's start (its age then was windowMs less): it became stale in this window.
    if (ageHours - windowMs / HOUR <= threshold) newlyStale.push(entry);
  }
  return { stale, newlyStale, neverBackedUp, ages };
}

/** The failing devices of the fleet (records of devices no longer in it are left out), and those that started failing in the window. */
export function assessFailures(failing: readonly FailingDevice[], fleet: ReadonlySet<string>, at: Date, windowMs: number): { failing: FailingDevice[]; newlyFailing: FailingDevice[] } {
  const inFleet = failing.filter((f) => fleet.has(f.deviceId));
  const from = at.getTime() - windowMs;
  const newlyFailing = inFleet.filter((f) => {
    const recorded = Date.parse(f.recordedAt);
    return recorded > from && recorded <= at.getTime();
  });
  return { failing: inFleet, newlyFailing };
}
