import { ScheduleError } from './errors';

/**
 * The one meaning both input forms are parsed into: an RFC 5545 recurrence rule whose times
 * are wall-clock ("floating") times in one time zone.
 */

export const FREQUENCIES = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** Weekdays as rrule numbers them: 0 = Monday ... 6 = Sunday. */
export const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type WeekdayCode = (typeof WEEKDAY_CODES)[number];

export interface ByDay {
  /** 0 = Monday ... 6 = Sunday. */
  readonly weekday: number;
  /** The nth such weekday of the month or year (negative: from the end); absent: every one. */
  readonly nth?: number;
}

/** UNTIL as written: an instant (`...Z`, epoch seconds), a local time, or a local date (inclusive to its end). */
export type UntilSpec =
  | { readonly kind: 'instant'; readonly instant: number }
  | { readonly kind: 'local'; readonly wall: number }
  | { readonly kind: 'date'; readonly wall: number };

export interface RuleParts {
  readonly freq: Frequency;
  readonly interval: number;
  readonly count?: number;
  readonly until?: UntilSpec;
  readonly bySecond?: readonly number[];
  readonly byMinute?: readonly number[];
  readonly byHour?: readonly number[];
  readonly byDay?: readonly ByDay[];
  readonly byMonthDay?: readonly number[];
  readonly byYearDay?: readonly number[];
  readonly byWeekNo?: readonly number[];
  readonly byMonth?: readonly number[];
  readonly bySetPos?: readonly number[];
  /** Week start, 0 = Monday (the RFC default). */
  readonly wkst: number;
}

/**
 * A rule with the parts RFC 5545 takes from DTSTART written out, so DTSTART can move without
 * changing the set. BYHOUR stays absent for HOURLY/MINUTELY and BYMINUTE for MINUTELY when the
 * input has none (there they only limit).
 */
export interface ExpandedRule extends RuleParts {
  readonly bySecond: readonly number[];
}

/** What a parser produces, before the time zone and DTSTART are settled. */
export interface ParsedRule {
  readonly parts: RuleParts;
  /** DTSTART as a wall time in the rule's zone, when the input gave one. */
  readonly dtstart?: { readonly wall: number } | { readonly instant: number };
  /** The zone the input itself names (DTSTART;TZID=, a UTC DTSTART, or the object's `timezone`). */
  readonly zone?: string;
  /** npm.backup ONETIME: one run at DTSTART. */
  readonly once?: boolean;
}

/** Bounds and conflicts of RFC 5545 section 3.3.10; throws ScheduleError with the reason. */
export function checkRuleParts(p: RuleParts): void {
  if (!Number.isInteger(p.interval) || p.interval < 1) {
    throw new ScheduleError('out-of-range', `INTERVAL must be a whole number of at least 1, not ${p.interval}`);
  }
  if (p.count !== undefined && p.until !== undefined) {
    throw new ScheduleError('count-and-until', 'COUNT and UNTIL must not both be given (RFC 5545 3.3.10): keep one of them');
  }
  if (p.count !== undefined && (!Number.isInteger(p.count) || p.count < 1 || p.count > MAX_COUNT)) {
    throw new ScheduleError('out-of-range', `COUNT must be a whole number from 1 to ${MAX_COUNT}, not ${p.count}`);
  }
  range('BYSECOND', p.bySecond, 0, 59, false, ' (leap second 60 is not supported)');
  if (p.bySecond && p.bySecond.length > 1) {
    throw new ScheduleError(
      'unsupported',
      `BYSECOND=${p.bySecond.join(',')} gives several runs a minute; schedules work to the minute (execution names carry the minute): give one value`,
    );
  }
  range('BYMINUTE', p.byMinute, 0, 59);
  range('BYHOUR', p.byHour, 0, 23);
  if (p.byMonthDay?.includes(0)) {
    throw new ScheduleError('bymonthday-zero', 'BYMONTHDAY=0 is not a day: use 1 to 31, or -1 to -31 to count from the end of the month');
  }
  range('BYMONTHDAY', p.byMonthDay, -31, 31, true);
  range('BYYEARDAY', p.byYearDay, -366, 366, true);
  range('BYWEEKNO', p.byWeekNo, -53, 53, true);
  range('BYMONTH', p.byMonth, 1, 12);
  range('BYSETPOS', p.bySetPos, -366, 366, true);
  for (const d of p.byDay ?? []) {
    if (d.nth !== undefined && (d.nth === 0 || d.nth < -53 || d.nth > 53 || !Number.isInteger(d.nth))) {
      throw new ScheduleError('out-of-range', `BYDAY ordinal ${d.nth} is out of range: use 1 to 53 or -1 to -53`);
    }
  }
  const hasNth = (p.byDay ?? []).some((d) => d.nth !== undefined);
  if (hasNth && p.freq !== 'MONTHLY' && p.freq !== 'YEARLY') {
    throw new ScheduleError('incompatible', `BYDAY with an ordinal (such as 1MO or -1FR) needs FREQ=MONTHLY or YEARLY, not ${p.freq} (RFC 5545 3.3.10)`);
  }
  if (hasNth && p.freq === 'YEARLY' && p.byWeekNo) {
    throw new ScheduleError('incompatible', 'BYDAY with an ordinal must not be combined with BYWEEKNO (RFC 5545 3.3.10)');
  }
  if (p.byWeekNo && p.freq !== 'YEARLY') {
    throw new ScheduleError('incompatible', `BYWEEKNO needs FREQ=YEARLY, not ${p.freq} (RFC 5545 3.3.10)`);
  }
  if (p.byYearDay && (p.freq === 'DAILY' || p.freq === 'WEEKLY' || p.freq === 'MONTHLY')) {
    throw new ScheduleError('incompatible', `BYYEARDAY must not be used with FREQ=${p.freq} (RFC 5545 3.3.10)`);
  }
  if (p.byMonthDay && p.freq === 'WEEKLY') {
    throw new ScheduleError('incompatible', 'BYMONTHDAY must not be used with FREQ=WEEKLY (RFC 5545 3.3.10)');
  }
  if (p.bySetPos) {
    const others = [p.bySecond, p.byMinute, p.byHour, p.byDay, p.byMonthDay, p.byYearDay, p.byWeekNo, p.byMonth];
    if (!others.some((o) => o !== undefined)) {
      throw new ScheduleError('bysetpos-alone', 'BYSETPOS must be used together with another BYxxx part, e.g. BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1 (RFC 5545 3.3.10)');
    }
  }
}

/** COUNT rules are expanded in full once; this bounds that work. */
export const MAX_COUNT = 100_000;

function range(name: string, values: readonly number[] | undefined, min: number, max: number, noZero = false, hint = ''): void {
  if (values === undefined) return;
  if (values.length === 0) throw new ScheduleError('syntax', `${name} needs at least one value`);
  for (const v of values) {
    if (!Number.isInteger(v) || v < min || v > max || (noZero && v === 0)) {
      const allowed = noZero ? `${min} to -1 or 1 to ${max}` : `${min} to ${max}`;
      throw new ScheduleError('out-of-range', `${name} value ${v} is out of range: use ${allowed}${hint}`);
    }
  }
}

/**
 * Writes out what RFC 5545 takes from DTSTART when a part is missing (the time of day, and the
 * day for YEARLY/MONTHLY/WEEKLY rules without day parts), exactly as rrule and dateutil do.
 */
export function expandDefaults(p: RuleParts, dtstartWall: number): ExpandedRule {
  const d = new Date(dtstartWall);
  const dayLevel = p.freq === 'YEARLY' || p.freq === 'MONTHLY' || p.freq === 'WEEKLY' || p.freq === 'DAILY';
  const hasDayPart = p.byWeekNo || p.byYearDay || p.byMonthDay || p.byDay;
  let byMonth = p.byMonth;
  let byMonthDay = p.byMonthDay;
  let byDay = p.byDay;
  if (!hasDayPart) {
    if (p.freq === 'YEARLY') {
      byMonth ??= [d.getUTCMonth() + 1];
      byMonthDay = [d.getUTCDate()];
    } else if (p.freq === 'MONTHLY') {
      byMonthDay = [d.getUTCDate()];
    } else if (p.freq === 'WEEKLY') {
      byDay = [{ weekday: weekdayOf(dtstartWall) }];
    }
  }
  return {
    ...p,
    ...(byMonth ? { byMonth } : {}),
    ...(byMonthDay ? { byMonthDay } : {}),
    ...(byDay ? { byDay } : {}),
    ...(p.byHour ? { byHour: p.byHour } : dayLevel ? { byHour: [d.getUTCHours()] } : {}),
    ...(p.byMinute ? { byMinute: p.byMinute } : p.freq !== 'MINUTELY' ? { byMinute: [d.getUTCMinutes()] } : {}),
    bySecond: p.bySecond ?? [d.getUTCSeconds()],
  };
}

/** 0 = Monday ... 6 = Sunday, of a wall time. */
export function weekdayOf(wall: number): number {
  return (new Date(wall).getUTCDay() + 6) % 7;
}

/** The RRULE value (without `RRULE:`), parts in the RFC's order of appearance in its examples. */
export function formatRuleParts(p: RuleParts): string {
  const out: string[] = [`FREQ=${p.freq}`];
  if (p.interval !== 1) out.push(`INTERVAL=${p.interval}`);
  if (p.count !== undefined) out.push(`COUNT=${p.count}`);
  if (p.until) out.push(`UNTIL=${formatUntil(p.until)}`);
  if (p.wkst !== 0) out.push(`WKST=${WEEKDAY_CODES[p.wkst]}`);
  const list = (name: string, v: readonly (number | string)[] | undefined) => {
    if (v) out.push(`${name}=${v.join(',')}`);
  };
  list('BYMONTH', p.byMonth);
  list('BYWEEKNO', p.byWeekNo);
  list('BYYEARDAY', p.byYearDay);
  list('BYMONTHDAY', p.byMonthDay);
  list('BYDAY', p.byDay?.map((d) => `${d.nth ?? ''}${WEEKDAY_CODES[d.weekday]}`));
  list('BYHOUR', p.byHour);
  list('BYMINUTE', p.byMinute);
  list('BYSECOND', p.bySecond);
  list('BYSETPOS', p.bySetPos);
  return out.join(';');
}

function formatUntil(u: UntilSpec): string {
  switch (u.kind) {
    case 'instant':
      return `${formatBasic(u.instant)}Z`;
    case 'local':
      return formatBasic(u.wall);
    case 'date':
      return formatBasic(u.wall).slice(0, 8);
  }
}

/** `YYYYMMDDTHHMMSS` of a time read as UTC fields. */
export function formatBasic(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '');
}
