import { ScheduleError } from './errors';

/**
 * Time-zone arithmetic on plain numbers. A "wall" time is a local wall-clock reading stored as
 * if it were UTC (`Date.UTC(y, m, d, h, mi, s)`), which is how rrule expands rules ("floating"
 * time); an "instant" is real epoch milliseconds. Offsets come from Intl (the runtime's tz data).
 */

const HOUR = 3_600_000;
/** Wider than any UTC offset ever used (LMT offsets reach about +-15:56). */
const MAX_OFFSET = 16 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
const canonicalNames = new Map<string, string>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's canonical IANA name (`Asia/Calcutta` and `Asia/Kolkata` compare equal); throws ScheduleError('unknown-zone'). */
export function canonicalZone(zone: string): string {
  const known = canonicalNames.get(zone);
  if (known) return known;
  let name: string;
  try {
    if (zone.trim() !== zone || zone === '') throw new RangeError('blank');
    name = formatterFor(zone).resolvedOptions().timeZone;
  } catch (error) {
    throw new ScheduleError('unknown-zone', `unknown time zone "${zone}": use an IANA name such as Europe/Budapest, America/New_York or UTC`, {
      cause: error,
    });
  }
  canonicalNames.set(zone, name);
  return name;
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/Universal' || zone === 'Etc/GMT' || zone === 'GMT';
}

/** UTC offset (ms, east positive) in force at `instant`. */
export function offsetAt(zone: string, instant: number): number {
  if (isUtc(zone)) return 0;
  const seconds = Math.floor(instant / 1000) * 1000;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const part of formatterFor(zone).formatToParts(seconds)) {
    switch (part.type) {
      case 'year':
        y = Number(part.value);
        break;
      case 'month':
        mo = Number(part.value);
        break;
      case 'day':
        d = Number(part.value);
        break;
      case 'hour':
        h = Number(part.value);
        break;
      case 'minute':
        mi = Number(part.value);
        break;
      case 'second':
        s = Number(part.value);
        break;
      default:
        break;
    }
  }
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC maps years 0-99 to 1900-1999; no schedule reaches them, but be exact anyway.
  const fixed = y < 100 ? new Date(wall).setUTCFullYear(y) : wall;
  return fixed - seconds;
}

/** The wall-clock reading (as a floating time) at `instant`. */
export function wallAt(zone: string, instant: number): number {
  return instant + offsetAt(zone, instant);
}

const toInstantCache = new Map<string, Map<number, number>>();
const CACHE_LIMIT = 100_000;

/**
 * The instant a wall-clock time names in `zone`, as RFC 5545 (3.3.5) reads it: a time that falls
 * in a gap (spring forward) is read with the offset before the gap (02:30 becomes 03:30), an
 * ambiguous one (fall back) is its first instance. Cached: the dispatcher asks the same few
 * wall times for thousands of devices.
 */
export function wallToInstant(zone: string, wall: number): number {
  let cache = toInstantCache.get(zone);
  if (!cache) {
    cache = new Map();
    toInstantCache.set(zone, cache);
  }
  const hit = cache.get(wall);
  if (hit !== undefined) return hit;
  const instant = resolveWall(zone, wall);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(wall, instant);
  return instant;
}

function resolveWall(zone: string, wall: number): number {
  if (isUtc(zone)) return wall;
  // Every solution u of u + offset(u) = wall lies within MAX_OFFSET of wall.
  const before = offsetAt(zone, wall - MAX_OFFSET);
  const after = offsetAt(zone, wall + MAX_OFFSET);
  if (before === after) {
    const u = wall - before;
    if (offsetAt(zone, u) === before) return u;
  } else {
    const first = wall - before;
    const second = wall - after;
    const firstOk = offsetAt(zone, first) === before;
    const secondOk = offsetAt(zone, second) === after;
    if (firstOk && secondOk) return Math.min(first, second);
    if (firstOk) return first;
    if (secondOk) return second;
    // A gap: the offset before it.
    if (!hasOtherTransition(zone, wall)) return wall - before;
  }
  return resolveBySampling(zone, wall);
}

/** True when the offset changes more than once in the +-16 h around `wall` (never in current tz data). */
function hasOtherTransition(zone: string, wall: number): boolean {
  const seen = new Set<number>();
  for (let t = wall - MAX_OFFSET; t <= wall + MAX_OFFSET; t += HOUR) seen.add(offsetAt(zone, t));
  return seen.size > 2;
}

/** Slow, general path: every offset seen in the neighbourhood is a candidate. */
function resolveBySampling(zone: string, wall: number): number {
  const candidates = new Set<number>();
  for (let t = wall - MAX_OFFSET; t <= wall + MAX_OFFSET; t += 15 * 60_000) candidates.add(offsetAt(zone, t));
  const valid = [...candidates].map((o) => wall - o).filter((u) => offsetAt(zone, u) === wall - u);
  if (valid.length) return Math.min(...valid);
  // In a gap: the offset of the last instant whose wall clock is still before `wall`.
  let last = wall - MAX_OFFSET;
  for (let t = wall - MAX_OFFSET; t <= wall + MAX_OFFSET; t += 60_000) {
    if (t + offsetAt(zone, t) < wall) last = t;
  }
  return wall - offsetAt(zone, last);
}
