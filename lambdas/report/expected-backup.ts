import { occurrencesBetween, previousOccurrence, type Schedule } from '../schedule';

/**
 * What a device's schedule expects of its archive at a given time: the occurrence whose backup
 * should be committed by now. The latest occurrence counts once `grace` has passed since it (its
 * run may still be on the way before that), and the grace is never more than half the gap before
 * it, so an hourly rule is not given six hours. Pure; lambdas/schedule does the calendar work.
 */

export const DEFAULT_GRACE_HOURS = 6;

/** The occurrence a committed backup should exist for at `now`; undefined before the rule's first. */
export function expectedOccurrence(schedule: Schedule, now: Date, graceMs: number): Date | undefined {
  const latest = previousOccurrence(schedule, new Date(now.getTime() + 1));
  if (!latest) return undefined;
  const before = previousOccurrence(schedule, latest);
  const grace = before ? Math.min(graceMs, (latest.getTime() - before.getTime()) / 2) : graceMs;
  return now.getTime() - latest.getTime() >= grace ? latest : before;
}

/** Whether a backup taken at `time` (serving `occurrence`, when known) covers the expected occurrence. */
export function coversExpected(expected: Date, time: Date, occurrence?: Date | null): boolean {
  return time.getTime() >= expected.getTime() || (occurrence != null && occurrence.getTime() >= expected.getTime());
}

/** The most occurrences counted as missed; a denser rule says "at least" this many. */
export const MISSED_COUNT_LIMIT = 1000;

/** Occurrences after `since` up to and including `expected` (that got no backup). */
export function occurrencesMissed(schedule: Schedule, since: Date, expected: Date): number {
  return occurrencesBetween(schedule, new Date(since.getTime() + 1), new Date(expected.getTime() + 1), MISSED_COUNT_LIMIT).length;
}
