import type { DeviceConfig } from '../config/schema';
import { nextOccurrences, occurrencesBetween, parseSchedule, type Schedule } from '../schedule';

const DAY_MS = 86_400_000;
/** How far ahead the gaps are sampled: a year and a bit, so weekly, monthly and DST patterns all show. */
const SAMPLE_DAYS = 400;
/** Enough for a per-minute rule to show its pattern, without expanding a year of minutes. */
const SAMPLE_LIMIT = 20_000;

/**
 * The schedule's interval for staleness: the longest gap between consecutive occurrences from
 * `from` on (a weekday-only rule's is the weekend, a daily rule's the 25-hour day at the end of
 * DST). Undefined when fewer than two occurrences remain (a one-time or finished rule).
 */
export function scheduleIntervalMs(schedule: Schedule, from: Date): number | undefined {
  const first = nextOccurrences(schedule, from, 1)[0];
  if (!first) return undefined;
  const sample = occurrencesBetween(schedule, first, new Date(first.getTime() + SAMPLE_DAYS * DAY_MS), SAMPLE_LIMIT);
  if (sample.length < 2) {
    // A rule sparser than the sample window (yearly): measure the next gap itself.
    const two = nextOccurrences(schedule, first, 2);
    return two.length === 2 ? two[1]!.getTime() - two[0]!.getTime() : undefined;
  }
  let longest = 0;
  for (let i = 1; i < sample.length; i++) longest = Math.max(longest, sample[i]!.getTime() - sample[i - 1]!.getTime());
  return longest;
}

/** A device is stale when its newest committed backup is older than this factor times its interval. */
export const STALE_FACTOR = 1.5;

/** The staleness threshold of each scheduled device, in hours (devices with the same rule share one computation). */
export function staleThresholdHours(devices: readonly DeviceConfig[], from: Date): Map<string, number> {
  const thresholds = new Map<string, number>();
  const bySchedule = new Map<Schedule, number | undefined>();
  for (const device of devices) {
    if (!device.schedule) continue;
    const schedule = parseSchedule(device.schedule.rrule, device.schedule.timezone);
    if (!bySchedule.has(schedule)) {
      const interval = scheduleIntervalMs(schedule, from);
      bySchedule.set(schedule, interval === undefined ? undefined : Math.round(((interval * STALE_FACTOR) / 3_600_000) * 100) / 100);
    }
    const hours = bySchedule.get(schedule);
    if (hours !== undefined) thresholds.set(device.id, hours);
  }
  return thresholds;
}

/**
 * The smallest staleness threshold of the devices, in hours, when it is under `belowHours`;
 * undefined otherwise. Cheap for a large fleet: a schedule whose next gap is long enough cannot
 * have a threshold that small (its longest gap is at least that one), so only frequent rules are
 * sampled.
 */
export function smallestThresholdBelow(devices: readonly DeviceConfig[], from: Date, belowHours: number): number | undefined {
  const seen = new Set<Schedule>();
  let smallest: number | undefined;
  for (const device of devices) {
    if (!device.schedule) continue;
    const schedule = parseSchedule(device.schedule.rrule, device.schedule.timezone);
    if (seen.has(schedule)) continue;
    seen.add(schedule);
    const [a, b] = nextOccurrences(schedule, from, 2);
    if (!a || !b || (b.getTime() - a.getTime()) * STALE_FACTOR >= belowHours * 3_600_000) continue;
    const interval = scheduleIntervalMs(schedule, from);
    if (interval === undefined) continue;
    const hours = (interval * STALE_FACTOR) / 3_600_000;
    if (hours < belowHours && (smallest === undefined || hours < smallest)) smallest = hours;
  }
  return smallest;
}
