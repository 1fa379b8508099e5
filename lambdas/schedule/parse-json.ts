import { ScheduleError } from './errors';
import { parseByDay } from './parse-text';
import type { ParsedRule, RuleParts } from './rule';

/**
 * The npm.backup 2.0 `recurrence_rule` object (the Riverbed API's own schedule form):
 * `{ freq, interval?, count?, until?, dtstart?, timezone?, byday?, byhour?, byminute?, bymonth?,
 * bymonthday?, bysecond?, bysetpos? }`. Its extras over RFC 5545: QUARTERLY (every 3 months)
 * and ONETIME (once, at dtstart). `dtstart` and `until` are seconds since the Unix epoch
 * (the API's "high precision timestamp": a number or a decimal string); `null` counts as absent.
 */
export function parseRuleObject(input: Readonly<Record<string, unknown>>): ParsedRule {
  const known = new Set(['freq', 'interval', 'count', 'until', 'dtstart', 'timezone', 'byday', 'byhour', 'byminute', 'bymonth', 'bymonthday', 'bysecond', 'bysetpos']);
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length) {
    throw new ScheduleError('syntax', `unknown recurrence_rule field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${[...known].join(', ')})`);
  }
  const get = (k: string): unknown => (input[k] === null ? undefined : input[k]);
  const freqRaw = get('freq');
  if (freqRaw === undefined) throw new ScheduleError('missing-freq', 'recurrence_rule needs "freq" (YEARLY, QUARTERLY, MONTHLY, WEEKLY, DAILY, HOURLY or ONETIME)');
  if (typeof freqRaw !== 'string') throw new ScheduleError('syntax', 'recurrence_rule.freq must be a string');
  const freqName = freqRaw.toUpperCase();

  const dtstartRaw = get('dtstart');
  const dtstart = dtstartRaw === undefined ? undefined : { instant: epochSeconds('dtstart', dtstartRaw) };
  const zoneRaw = get('timezone');
  if (zoneRaw !== undefined && (typeof zoneRaw !== 'string' || zoneRaw === '')) {
    throw new ScheduleError('syntax', 'recurrence_rule.timezone must be an IANA zone name such as Europe/Budapest');
  }
  const zone = zoneRaw as string | undefined;
  const common = { ...(dtstart ? { dtstart } : {}), ...(zone !== undefined ? { zone } : {}) };

  if (freqName === 'ONETIME') {
    // The device runs it once at dtstart; by-parts, interval, count and until do not apply.
    if (!dtstart) throw new ScheduleError('syntax', 'recurrence_rule with freq ONETIME needs "dtstart" (seconds since the Unix epoch)');
    return { parts: { freq: 'DAILY', interval: 1, count: 1, wkst: 0 }, once: true, ...common };
  }

  let freq: RuleParts['freq'];
  let intervalFactor = 1;
  switch (freqName) {
    case 'YEARLY':
    case 'MONTHLY':
    case 'WEEKLY':
    case 'DAILY':
    case 'HOURLY':
      freq = freqName;
      break;
    case 'QUARTERLY':
      freq = 'MONTHLY';
      intervalFactor = 3;
      break;
    default:
      throw new ScheduleError('syntax', `recurrence_rule.freq "${freqRaw}" is not one of YEARLY, QUARTERLY, MONTHLY, WEEKLY, DAILY, HOURLY, ONETIME`);
  }
  const interval = get('interval') === undefined ? 1 : wholeNumber('interval', get('interval'));
  const count = get('count') === undefined ? undefined : wholeNumber('count', get('count'));
  const untilRaw = get('until');
  const list = (k: string) => (get(k) === undefined ? undefined : intList(k, get(k)));
  const bydayRaw = get('byday');
  let byDay: RuleParts['byDay'];
  if (bydayRaw !== undefined) {
    if (!Array.isArray(bydayRaw) || !bydayRaw.every((d): d is string => typeof d === 'string')) {
      throw new ScheduleError('syntax', 'recurrence_rule.byday must be an array of weekdays such as ["MO", "FR"]');
    }
    byDay = bydayRaw.map((d) => parseByDay(d.toUpperCase()));
  }
  const parts: RuleParts = {
    freq,
    interval: interval * intervalFactor,
    wkst: 0,
    ...(count !== undefined ? { count } : {}),
    ...(untilRaw !== undefined ? { until: { kind: 'instant' as const, instant: epochSeconds('until', untilRaw) } } : {}),
    ...optional('bySecond', list('bysecond')),
    ...optional('byMinute', list('byminute')),
    ...optional('byHour', list('byhour')),
    ...optional('byMonth', list('bymonth')),
    ...optional('byMonthDay', list('bymonthday')),
    ...optional('bySetPos', list('bysetpos')),
    ...(byDay ? { byDay } : {}),
  };
  return { parts, ...common };
}

function optional<K extends string>(key: K, value: number[] | undefined): Partial<Record<K, number[]>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number[]>);
}

function wholeNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ScheduleError('syntax', `recurrence_rule.${name} must be a whole number, not ${JSON.stringify(v)}`);
  return v;
}

function intList(name: string, v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((x): x is number => typeof x === 'number' && Number.isInteger(x))) {
    throw new ScheduleError('syntax', `recurrence_rule.${name} must be an array of whole numbers, not ${JSON.stringify(v)}`);
  }
  return v;
}

/** Latest instant we accept: 9999-12-31T23:59:59Z. A larger "seconds" value is almost surely milliseconds. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

function epochSeconds(name: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new ScheduleError('syntax', `recurrence_rule.${name} must be seconds since the Unix epoch (a number or a decimal string), not ${JSON.stringify(v)}`);
  }
  if (n > MAX_EPOCH_SECONDS) {
    throw new ScheduleError('out-of-range', `recurrence_rule.${name} ${n} is after the year 9999: it must be seconds since the Unix epoch, not milliseconds`);
  }
  // Whole seconds: schedules work to the minute, and sub-second digits would only break equality.
  return Math.floor(n) * 1000;
}
