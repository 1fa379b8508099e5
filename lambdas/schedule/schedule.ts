import { ScheduleError } from './errors';
import { expandCount, expandWindow, fixedPeriodSize, isDayLevel, neverOccurs } from './expand';
import { parseRuleObject } from './parse-json';
import { parseRuleText } from './parse-text';
import { checkRuleParts, expandDefaults, formatBasic, formatRuleParts, type ExpandedRule, type ParsedRule } from './rule';
import { formatInstant } from './format';
import { canonicalZone, wallAt, wallToInstant } from './zone';

/**
 * Schedules: parse once (cached), then ask for occurrences as UTC instants.
 *
 * How times are computed: the rule is expanded in floating wall-clock time (expand.ts), and each
 * wall time is turned into an instant in the schedule's zone with RFC 5545's rule for gaps and
 * overlaps (zone.ts). UNTIL is applied to instants; COUNT counts expanded wall times, so a
 * spring-forward occurrence that lands on another one's instant still counts (RFC 5545 keeps
 * one of duplicate instances, and so do we).
 */

/** What the config's `schedule.rrule` holds: RFC 5545 text, or the npm.backup 2.0 `recurrence_rule` object. */
export type ScheduleInput = string | Readonly<Record<string, unknown>>;

/**
 * DTSTART when the input has none: 2000-01-01T00:00:00 local time in the schedule's zone. Fixed,
 * so that occurrences do not depend on when the config was loaded: INTERVAL>1 rules count their
 * periods from it (FREQ=DAILY;INTERVAL=2 runs on the even days counted from 2000-01-01), and the
 * parts a rule leaves out come from it (a bare FREQ=DAILY runs at 00:00:00, FREQ=WEEKLY on
 * Saturdays, FREQ=MONTHLY on the 1st).
 */
export const DEFAULT_DTSTART = '2000-01-01T00:00:00';
const ANCHOR_WALL = Date.UTC(2000, 0, 1);

export interface Schedule {
  /** The IANA zone the rule's wall-clock times are in (as written: the rule's own, else the device's, else UTC). */
  readonly timezone: string;
  /** The rule as RFC 5545 text with its DTSTART written out, e.g. `DTSTART;TZID=Europe/Budapest:20000101T000000\nRRULE:FREQ=DAILY;BYHOUR=2`. */
  readonly text: string;
  /** The rule with the parts RFC 5545 takes from DTSTART written out. */
  readonly rule: ExpandedRule;
  /** DTSTART as a wall time (UTC fields = local fields). */
  readonly dtstartWall: number;
  /** DTSTART as an instant. */
  readonly dtstart: Date;
  /** True when the input had no DTSTART and DEFAULT_DTSTART was used. */
  readonly anchored: boolean;
  /** The npm.backup ONETIME form: one run at DTSTART. */
  readonly once: boolean;
  /** UNTIL as an instant (inclusive). */
  readonly until?: Date;
}

const SECOND = 1000;
const DAY = 86_400_000;
/** Wider than any UTC offset: a wall time's instant is within this of the wall time read as UTC. */
const MAX_OFFSET = 16 * 3_600_000;
/** COUNT rules are expanded once, in full, up to this far after DTSTART. */
const COUNT_HORIZON_YEARS = 200;
/** How far `nextOccurrences` looks before deciding a rule has no more occurrences. */
export const DEFAULT_HORIZON_YEARS = 100;

/**
 * Parses and checks a schedule. `timezone` is the device's zone; when the rule names its own
 * (DTSTART;TZID=, a UTC DTSTART, the object's `timezone`) the two must agree. Neither: UTC.
 * Throws ScheduleError with the reason. Does not check that the rule still has occurrences
 * (that depends on the clock): see `validateSchedule`.
 */
export function parseSchedule(input: ScheduleInput, timezone?: string): Schedule {
  const key = `${typeof input === 'string' ? `s${input}` : `o${stableJson(input)}`}\u0000${timezone ?? ''}`;
  const cached = parseCache.get(key);
  if (cached) return cached;
  const schedule = buildSchedule(input, timezone);
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(key, schedule);
  return schedule;
}

const parseCache = new Map<string, Schedule>();
const PARSE_CACHE_LIMIT = 50_000;

function buildSchedule(input: ScheduleInput, timezone: string | undefined): Schedule {
  let parsed: ParsedRule;
  if (typeof input === 'string') parsed = parseRuleText(input);
  else if (input !== null && typeof input === 'object' && !Array.isArray(input)) parsed = parseRuleObject(input);
  else throw new ScheduleError('syntax', 'a schedule is RRULE text or a recurrence_rule object');
  const zone = resolveZone(parsed.zone, timezone);
  checkRuleParts(parsed.parts);
  const dtstartWall =
    parsed.dtstart === undefined ? ANCHOR_WALL : 'wall' in parsed.dtstart ? parsed.dtstart.wall : wallAt(zone, parsed.dtstart.instant);
  const rule = expandDefaults(parsed.parts, dtstartWall);
  checkReachable(rule, dtstartWall);
  const until = rule.until;
  const untilInstant =
    until === undefined
      ? undefined
      : until.kind === 'instant'
        ? until.instant
        : wallToInstant(zone, until.kind === 'local' ? until.wall : until.wall + DAY - SECOND);
  const schedule: Schedule = {
    timezone: zone,
    text: `DTSTART;TZID=${zone}:${formatBasic(dtstartWall)}\nRRULE:${formatRuleParts(parsed.parts)}`,
    rule,
    dtstartWall,
    dtstart: new Date(wallToInstant(zone, dtstartWall)),
    anchored: parsed.dtstart === undefined,
    once: parsed.once === true,
    ...(untilInstant !== undefined ? { until: new Date(untilInstant) } : {}),
  };
  return Object.freeze(schedule);
}

function resolveZone(ruleZone: string | undefined, given: string | undefined): string {
  const canonical = (zone: string, field: 'rrule' | 'timezone') => {
    try {
      return canonicalZone(zone);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      throw new ScheduleError(error.code, field === 'rrule' ? `the rule's ${error.message}` : error.message, { field, cause: error.cause });
    }
  };
  const givenCanonical = given === undefined ? undefined : canonical(given, 'timezone');
  const ruleCanonical = ruleZone === undefined ? undefined : canonical(ruleZone, 'rrule');
  if (givenCanonical !== undefined && ruleCanonical !== undefined && givenCanonical !== ruleCanonical) {
    throw new ScheduleError(
      'zone-conflict',
      `the rule is in ${ruleZone} (its DTSTART or timezone field) but the schedule's timezone is ${given}: make them the same, or leave one out`,
      { field: 'timezone' },
    );
  }
  return ruleZone ?? given ?? 'UTC';
}

/**
 * Rules that cannot occur for a reason visible in their parts: an HOURLY/MINUTELY rule whose
 * INTERVAL never lands on its BYHOUR/BYMINUTE values (FREQ=HOURLY;INTERVAL=6;BYHOUR=3 from
 * midnight), or a BYSETPOS beyond every DAILY/HOURLY/MINUTELY period's size. Said up front
 * instead of searching a century minute by minute.
 */
function checkReachable(rule: ExpandedRule, dtstartWall: number): void {
  const size = fixedPeriodSize(rule);
  if (size !== undefined && rule.bySetPos && !rule.bySetPos.some((p) => Math.abs(p) <= size)) {
    throw new ScheduleError(
      'unreachable',
      `BYSETPOS=${rule.bySetPos.join(',')} can never pick anything: each ${rule.freq} period of this rule holds ${size} time${size === 1 ? '' : 's'}`,
    );
  }
  if (isDayLevel(rule.freq)) return;
  const d = new Date(dtstartWall);
  const unitsPerDay = rule.freq === 'HOURLY' ? 24 : 1440;
  const start = rule.freq === 'HOURLY' ? d.getUTCHours() : d.getUTCHours() * 60 + d.getUTCMinutes();
  const g = gcd(rule.interval, unitsPerDay);
  for (let u = ((start % g) + g) % g; u < unitsPerDay; u += g) {
    const hour = rule.freq === 'HOURLY' ? u : Math.floor(u / 60);
    const minute = u % 60;
    if (rule.byHour && !rule.byHour.includes(hour)) continue;
    if (rule.freq === 'MINUTELY' && rule.byMinute && !rule.byMinute.includes(minute)) continue;
    return;
  }
  const what = rule.freq === 'HOURLY' ? `BYHOUR=${rule.byHour?.join(',')}` : 'its BYHOUR/BYMINUTE values';
  throw new ScheduleError(
    'unreachable',
    `FREQ=${rule.freq};INTERVAL=${rule.interval} counted from DTSTART ${formatBasic(dtstartWall)} never reaches ${what}: the rule has no occurrence`,
  );
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * `parseSchedule` plus the check that the rule has an occurrence: at or after `now` when given
 * (what the CLI and `cdk synth` want: an expired rule is a mistake there), else at all (from its
 * DTSTART; time-independent, what the config schema checks, because the Lambdas re-validate the
 * embedded config at every cold start and must not fail once a rule has run its course).
 * Looks DEFAULT_HORIZON_YEARS ahead. Throws ScheduleError('no-occurrence') with the reason.
 */
export function validateSchedule(input: ScheduleInput, timezone?: string, now?: Date): Schedule {
  const schedule = parseSchedule(input, timezone);
  const from = now ?? new Date(schedule.dtstart.getTime() - MAX_OFFSET);
  if (nextOccurrences(schedule, from, 1).length > 0) return schedule;
  const ever = now !== undefined && nextOccurrences(schedule, new Date(schedule.dtstart.getTime() - MAX_OFFSET), 1).length > 0;
  const after = now === undefined ? '' : ` after ${formatInstant(now)}`;
  let reason: string;
  if (!ever) {
    reason =
      schedule.until && schedule.until.getTime() < schedule.dtstart.getTime()
        ? `no occurrence at all: its UNTIL ${formatInstant(schedule.until)} is before its DTSTART ${formatInstant(schedule.dtstart)}`
        : `no occurrence at all: no date matches all of its parts in the ${DEFAULT_HORIZON_YEARS} years from its DTSTART ${formatInstant(schedule.dtstart)}`;
  } else if (schedule.until && now && schedule.until.getTime() < now.getTime()) {
    reason = `no occurrence${after}: its UNTIL ${formatInstant(schedule.until)} has passed`;
  } else if (schedule.once) {
    reason = `no occurrence${after}: its one run (ONETIME at ${formatInstant(schedule.dtstart)}) is in the past`;
  } else if (schedule.rule.count !== undefined) {
    reason = `no occurrence${after}: all its COUNT=${schedule.rule.count} occurrences are in the past`;
  } else {
    reason = `no occurrence in the ${DEFAULT_HORIZON_YEARS} years${after}`;
  }
  throw new ScheduleError('no-occurrence', `the rule has ${reason}`);
}

interface Internals {
  /** The rule never occurs (see neverOccurs): every query answers nothing without expanding. */
  never: boolean;
  /** COUNT rules: every instant, ascending, without duplicates. */
  finite?: number[];
  /** Other rules: instants of wall-time chunks, ascending, keyed by chunk index (LRU order). */
  chunks: Map<number, number[]>;
}

const internals = new WeakMap<Schedule, Internals>();
const CHUNKS_PER_SCHEDULE = 16;

function internalsOf(s: Schedule): Internals {
  let i = internals.get(s);
  if (!i) {
    i = { never: neverOccurs(s.rule, s.dtstartWall), chunks: new Map() };
    if (i.never) {
      i.finite = [];
    } else if (s.rule.count !== undefined) {
      const limit = Date.UTC(new Date(s.dtstartWall).getUTCFullYear() + COUNT_HORIZON_YEARS, 0, 1);
      const walls = expandCount(s.rule, s.dtstartWall, s.rule.count, limit);
      i.finite = sortedUnique(walls.map((w) => wallToInstant(s.timezone, w)));
    }
    internals.set(s, i);
  }
  return i;
}

/** Chunk length in wall time: a few periods, so one tick's question touches one or two chunks. */
function chunkLength(s: Schedule): number {
  switch (s.rule.freq) {
    case 'MINUTELY':
      return DAY;
    case 'HOURLY':
    case 'DAILY':
      return 7 * DAY;
    case 'WEEKLY':
      return 35 * DAY;
    case 'MONTHLY':
      return 366 * DAY;
    case 'YEARLY':
      return 1461 * DAY;
  }
}

function chunkInstants(s: Schedule, i: Internals, index: number, length: number): number[] {
  const hit = i.chunks.get(index);
  if (hit) {
    i.chunks.delete(index);
    i.chunks.set(index, hit);
    return hit;
  }
  const walls = expandWindow(s.rule, s.dtstartWall, index * length, (index + 1) * length - 1);
  const instants = sortedUnique(walls.map((w) => wallToInstant(s.timezone, w)));
  if (i.chunks.size >= CHUNKS_PER_SCHEDULE) i.chunks.delete(i.chunks.keys().next().value as number);
  i.chunks.set(index, instants);
  return instants;
}

function sortedUnique(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return values.filter((v, k) => k === 0 || v !== values[k - 1]);
}

/** Index of the first element >= x. */
function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Occurrences (UTC instants) with `fromInclusive <= t < toExclusive`, ascending, at most `limit`. */
export function occurrencesBetween(schedule: Schedule, fromInclusive: Date, toExclusive: Date, limit = Number.POSITIVE_INFINITY): Date[] {
  return instantsBetween(schedule, fromInclusive.getTime(), toExclusive.getTime(), limit).map((t) => new Date(t));
}

function instantsBetween(s: Schedule, from: number, to: number, limit: number): number[] {
  if (!(to > from) || limit <= 0) return [];
  const untilMs = s.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const end = Math.min(to, untilMs + 1);
  const start = Math.max(from, s.dtstart.getTime() - MAX_OFFSET);
  if (!(end > start)) return [];
  const i = internalsOf(s);
  if (i.finite) {
    const a = lowerBound(i.finite, start);
    const b = lowerBound(i.finite, end);
    return i.finite.slice(a, Math.min(b, a + limit));
  }
  const length = chunkLength(s);
  const first = Math.floor((start - MAX_OFFSET) / length);
  const last = Math.floor((end + MAX_OFFSET) / length);
  let out: number[] = [];
  for (let c = first; c <= last; c++) {
    // Chunks are in wall-time order; instants of neighbouring chunks interleave by less than
    // MAX_OFFSET, so once `limit` are found, a chunk starting that far past the last one adds nothing.
    if (out.length >= limit && c * length - MAX_OFFSET > (out[limit - 1] ?? Number.POSITIVE_INFINITY)) break;
    const instants = chunkInstants(s, i, c, length);
    for (let k = lowerBound(instants, start); k < instants.length && (instants[k] ?? end) < end; k++) out.push(instants[k] ?? end);
    if (out.length >= limit) out = sortedUnique(out);
  }
  out = sortedUnique(out);
  return out.length > limit ? out.slice(0, limit) : out;
}

/** The next `count` occurrences at or after `from` (fewer when the rule ends, or none within `horizonYears`). */
export function nextOccurrences(schedule: Schedule, from: Date, count: number, horizonYears = DEFAULT_HORIZON_YEARS): Date[] {
  const horizon = new Date(from.getTime());
  horizon.setUTCFullYear(horizon.getUTCFullYear() + horizonYears);
  return occurrencesBetween(schedule, from, horizon, count);
}

/** The latest occurrence strictly before `before` (and at or after `notBefore`, when given), or undefined. */
export function previousOccurrence(schedule: Schedule, before: Date, notBefore?: Date): Date | undefined {
  const s = schedule;
  const untilMs = s.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const end = Math.min(before.getTime(), untilMs + 1);
  const lowest = notBefore?.getTime() ?? Number.NEGATIVE_INFINITY;
  const floor = Math.max(s.dtstart.getTime() - MAX_OFFSET, lowest);
  if (!(end > floor)) return undefined;
  const i = internalsOf(s);
  if (i.finite) {
    const k = lowerBound(i.finite, end) - 1;
    return k >= 0 && i.finite[k]! >= lowest ? new Date(i.finite[k]!) : undefined;
  }
  const length = chunkLength(s);
  let best: number | undefined;
  for (let c = Math.floor((end + MAX_OFFSET) / length); (c + 1) * length + MAX_OFFSET > floor; c--) {
    // Once found, an earlier chunk can only beat it by less than MAX_OFFSET.
    if (best !== undefined && (c + 1) * length + MAX_OFFSET <= best) break;
    const instants = chunkInstants(s, i, c, length);
    const k = lowerBound(instants, end) - 1;
    if (k >= 0 && instants[k]! >= lowest && (best === undefined || instants[k]! > best)) best = instants[k]!;
  }
  return best === undefined ? undefined : new Date(best);
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` share a cache entry. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
