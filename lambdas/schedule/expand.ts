import type { ExpandedRule, Frequency } from './rule';
import { weekdayOf } from './rule';
import { RRule, Weekday, type RRuleOptions } from './rrule-lib';

/**
 * Expands a rule in floating wall-clock time: every result is a wall time (UTC fields = local
 * fields), no time zone involved. YEARLY, MONTHLY and WEEKLY go through rrule (nth weekdays,
 * week numbers, year days, BYSETPOS over months and years). DAILY, HOURLY and MINUTELY are plain
 * arithmetic here (a fixed period length, limits, an expansion, BYSETPOS), for two reasons:
 * rrule 2.8.1 steps HOURLY/MINUTELY wrongly (with BYHOUR and an INTERVAL that does not divide the
 * hour or day it skips occurrences: FREQ=MINUTELY;INTERVAL=90;BYHOUR=9-16 resumes at 10:00
 * instead of 09:00; an unreachable BYHOUR makes it loop forever), and each rrule call costs
 * ~80 us of set-up, which for 10,000 nightly rules is most of a cold dispatcher tick.
 * Both paths are checked against python-dateutil (test/unit/schedule/fixtures).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const RRULE_FREQ: Record<Frequency, number> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
  HOURLY: RRule.HOURLY,
  MINUTELY: RRule.MINUTELY,
};

export function isDayLevel(freq: Frequency): boolean {
  return freq === 'YEARLY' || freq === 'MONTHLY' || freq === 'WEEKLY' || freq === 'DAILY';
}

/** The frequencies expanded by rrule; the others have a fixed period length (expandFixedPeriod). */
function usesRrule(freq: Frequency): boolean {
  return freq === 'YEARLY' || freq === 'MONTHLY' || freq === 'WEEKLY';
}

/**
 * Wall times w of the rule with `from <= w <= to` and `w >= dtstart`, ascending, ignoring COUNT
 * and UNTIL (the caller applies UNTIL to instants; COUNT rules use `expandCount`). Only for rules
 * that occur at all (`neverOccurs` false): rrule runs on to the next occurrence after `to`.
 */
export function expandWindow(rule: ExpandedRule, dtstart: number, from: number, to: number): number[] {
  if (to < from || to < dtstart) return [];
  if (!usesRrule(rule.freq)) return expandFixedPeriod(rule, dtstart, from, to, undefined);
  const start = alignedStart(rule, dtstart, from);
  const r = new RRule({ ...rruleOptions(rule), dtstart: new Date(start), until: new Date(to) }, true);
  const out: number[] = [];
  for (const d of r.all()) {
    const w = d.getTime();
    if (w >= from) out.push(w);
  }
  return out;
}

/** 400 Gregorian years: the calendar, weekdays included, repeats exactly after this many days. */
const CYCLE = 146_097 * DAY;

/**
 * True when the rule never produces an occurrence (FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31). rrule
 * checks UNTIL only against candidates, so such a rule would make it iterate to the year 9999 on
 * every call. Decided once, by expanding from DTSTART moved forward by whole 400-year cycles to
 * between 100 and 500 years before that limit (the same calendar, so the same answer): rrule then
 * stops by itself. Exact for every rule whose first occurrence is within 100 years of DTSTART,
 * the most the runner accepts anyway. DAILY/HOURLY/MINUTELY never need this (expandFixedPeriod stops at `to`).
 */
export function neverOccurs(rule: ExpandedRule, dtstart: number): boolean {
  if (!usesRrule(rule.freq)) return false;
  const year = new Date(dtstart).getUTCFullYear();
  const cycles = Math.floor((9899 - year) / 400);
  const r = new RRule({ ...rruleOptions(rule), dtstart: new Date(dtstart + cycles * CYCLE), count: 1 }, true);
  return r.all().length === 0;
}

/** The first `count` wall times from DTSTART (fewer if the rule ends before `limit`). */
export function expandCount(rule: ExpandedRule, dtstart: number, count: number, limit: number): number[] {
  if (!usesRrule(rule.freq)) return expandFixedPeriod(rule, dtstart, dtstart, limit, count);
  const r = new RRule({ ...rruleOptions(rule), dtstart: new Date(dtstart), until: new Date(limit), count }, true);
  return r.all().map((d) => d.getTime());
}

function rruleOptions(rule: ExpandedRule): Partial<RRuleOptions> {
  const o: Partial<RRuleOptions> = { freq: RRULE_FREQ[rule.freq], interval: rule.interval, wkst: rule.wkst, tzid: null };
  if (rule.byMonth) o.bymonth = [...rule.byMonth];
  if (rule.byWeekNo) o.byweekno = [...rule.byWeekNo];
  if (rule.byYearDay) o.byyearday = [...rule.byYearDay];
  if (rule.byMonthDay) o.bymonthday = [...rule.byMonthDay];
  if (rule.byDay) o.byweekday = rule.byDay.map((d) => new Weekday(d.weekday, d.nth));
  if (rule.byHour) o.byhour = [...rule.byHour];
  if (rule.byMinute) o.byminute = [...rule.byMinute];
  o.bysecond = [...rule.bySecond];
  if (rule.bySetPos) o.bysetpos = [...rule.bySetPos];
  return o;
}

/**
 * A DTSTART at the start of the latest period, in step with INTERVAL, that begins at or before
 * `from`: the same occurrences from there on, without iterating from the original DTSTART
 * (2000-01-01 for rules without one). Safe because `expandDefaults` wrote out every part rrule
 * would otherwise take from DTSTART, and a period's occurrences never precede its start.
 */
export function alignedStart(rule: ExpandedRule, dtstart: number, from: number): number {
  if (from <= dtstart) return dtstart;
  const s = new Date(dtstart);
  const f = new Date(from);
  const steps = (elapsed: number) => Math.floor(elapsed / rule.interval) * rule.interval;
  let start: number;
  switch (rule.freq) {
    case 'YEARLY': {
      const k = steps(f.getUTCFullYear() - s.getUTCFullYear());
      start = Date.UTC(s.getUTCFullYear() + k, 0, 1);
      break;
    }
    case 'MONTHLY': {
      const m0 = s.getUTCFullYear() * 12 + s.getUTCMonth();
      const k = steps(f.getUTCFullYear() * 12 + f.getUTCMonth() - m0);
      start = Date.UTC(Math.floor((m0 + k) / 12), (m0 + k) % 12, 1);
      break;
    }
    case 'WEEKLY': {
      const weekStart = (w: number) => Math.floor(w / DAY) * DAY - ((weekdayOf(w) - rule.wkst + 7) % 7) * DAY;
      const w0 = weekStart(dtstart);
      start = w0 + steps(Math.round((weekStart(from) - w0) / (7 * DAY))) * 7 * DAY;
      break;
    }
    default:
      // DAILY, HOURLY, MINUTELY: expandFixedPeriod starts at the right period by itself.
      return dtstart;
  }
  return start > dtstart ? start : dtstart;
}

interface DayInfo {
  month: number;
  monthDay: number;
  daysInMonth: number;
  yearDay: number;
  daysInYear: number;
  weekday: number;
}

function dayInfo(wall: number): DayInfo {
  const d = new Date(wall);
  const y = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const dayStart = Math.floor(wall / DAY) * DAY;
  return {
    month,
    monthDay: d.getUTCDate(),
    daysInMonth: new Date(Date.UTC(y, month, 0)).getUTCDate(),
    yearDay: Math.round((dayStart - Date.UTC(y, 0, 1)) / DAY) + 1,
    daysInYear: Math.round((Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1)) / DAY),
    weekday: weekdayOf(wall),
  };
}

/** The day-level limits of a DAILY/HOURLY/MINUTELY rule (BYMONTH, BYMONTHDAY, BYYEARDAY, BYDAY). */
function dayAllowed(rule: ExpandedRule, info: DayInfo): boolean {
  if (rule.byMonth && !rule.byMonth.includes(info.month)) return false;
  if (rule.byMonthDay && !rule.byMonthDay.some((v) => v === info.monthDay || v === info.monthDay - info.daysInMonth - 1)) return false;
  if (rule.byYearDay && !rule.byYearDay.some((v) => v === info.yearDay || v === info.yearDay - info.daysInYear - 1)) return false;
  if (rule.byDay && !rule.byDay.some((d) => d.weekday === info.weekday)) return false;
  return true;
}

const ascending = (values: readonly number[]) => [...new Set(values)].sort((a, b) => a - b);

/** How many occurrences each period of a DAILY/HOURLY/MINUTELY rule holds before BYSETPOS (undefined for rrule frequencies). */
export function fixedPeriodSize(rule: ExpandedRule): number | undefined {
  if (usesRrule(rule.freq)) return undefined;
  const n = (v: readonly number[] | undefined) => (v ? new Set(v).size : 1);
  const seconds = n(rule.bySecond);
  if (rule.freq === 'MINUTELY') return seconds;
  if (rule.freq === 'HOURLY') return n(rule.byMinute) * seconds;
  return n(rule.byHour) * n(rule.byMinute) * seconds;
}

/**
 * DAILY / HOURLY / MINUTELY per RFC 5545: period k starts at DTSTART's day (hour, minute) +
 * k * INTERVAL; BYMONTH, BYMONTHDAY, BYYEARDAY and BYDAY limit a period, and so do BYHOUR (for
 * HOURLY and MINUTELY) and BYMINUTE (for MINUTELY); the finer parts expand it (DAILY: BYHOUR x
 * BYMINUTE x BYSECOND); BYSETPOS picks from the expanded set. Periods that a limit rules out
 * are skipped a day (an hour) at a time, so even a rule that never occurs ends at `to` quickly.
 */
function expandFixedPeriod(rule: ExpandedRule, dtstart: number, from: number, to: number, count: number | undefined): number[] {
  const unit = rule.freq === 'DAILY' ? DAY : rule.freq === 'HOURLY' ? HOUR : MINUTE;
  const step = unit * rule.interval;
  const p0 = Math.floor(dtstart / unit) * unit;
  const hours = rule.freq === 'DAILY' ? ascending(rule.byHour ?? [0]) : [0];
  const minutes = rule.freq === 'MINUTELY' ? [0] : ascending(rule.byMinute ?? [0]);
  const seconds = ascending(rule.bySecond);
  const offsets: number[] = [];
  for (const h of hours) for (const m of minutes) for (const s of seconds) offsets.push(h * HOUR + m * MINUTE + s * SECOND);
  const hourLimit = rule.freq === 'DAILY' ? undefined : rule.byHour;
  const minuteLimit = rule.freq === 'MINUTELY' ? rule.byMinute : undefined;
  const out: number[] = [];
  let left = count;
  let k = Math.max(0, Math.floor((from - p0) / step));
  const firstAtOrAfter = (t: number) => Math.max(k + 1, Math.ceil((t - p0) / step));
  let allowedDay = Number.NaN;
  while (p0 + k * step <= to) {
    const base = p0 + k * step;
    const day = Math.floor(base / DAY);
    if (day !== allowedDay) {
      if (!dayAllowed(rule, dayInfo(base))) {
        k = firstAtOrAfter((day + 1) * DAY);
        continue;
      }
      allowedDay = day;
    }
    if (hourLimit && !hourLimit.includes(new Date(base).getUTCHours())) {
      k = firstAtOrAfter(Math.floor(base / HOUR + 1) * HOUR);
      continue;
    }
    if (minuteLimit && !minuteLimit.includes(new Date(base).getUTCMinutes())) {
      k += 1;
      continue;
    }
    let set = offsets.map((o) => base + o);
    if (rule.bySetPos) set = pickPositions(set, rule.bySetPos);
    for (const w of set) {
      if (w < dtstart || w < from || w > to) continue;
      out.push(w);
      if (left !== undefined && --left === 0) return out;
    }
    k += 1;
  }
  return out;
}

function pickPositions(set: readonly number[], positions: readonly number[]): number[] {
  const picked = new Set<number>();
  for (const p of positions) {
    const v = p > 0 ? set[p - 1] : set[set.length + p];
    if (v !== undefined) picked.add(v);
  }
  return [...picked].sort((a, b) => a - b);
}
