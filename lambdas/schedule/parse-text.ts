import { ScheduleError } from './errors';
import { WEEKDAY_CODES, type ByDay, type Frequency, type ParsedRule, type RuleParts, type UntilSpec } from './rule';

/**
 * RFC 5545 text: a bare rule (`FREQ=DAILY;BYHOUR=2`), `RRULE:...`, optionally after a
 * `DTSTART[;TZID=zone]:...` line. Lines may also be separated by spaces (one shell argument).
 * EXDATE/RDATE/EXRULE are refused: a device has one rule.
 */
export function parseRuleText(text: string): ParsedRule {
  // RFC 5545 3.1: a line break followed by one space or tab is a folded line.
  const unfolded = text.replace(/\r?\n[ \t]/g, '');
  const tokens = unfolded.split(/\s+/).filter((t) => t !== '');
  let rule: string | undefined;
  let dtstart: Pick<ParsedRule, 'dtstart' | 'zone'> | undefined;
  for (const token of tokens) {
    const upper = token.toUpperCase();
    if (upper.startsWith('DTSTART;') || upper.startsWith('DTSTART:')) {
      if (dtstart) throw new ScheduleError('syntax', 'DTSTART is given twice');
      dtstart = parseDtstart(token);
    } else if (upper.startsWith('RRULE:') || /^[A-Z-]+=/.test(upper)) {
      if (rule !== undefined) throw new ScheduleError('unsupported', 'only one RRULE per schedule is supported');
      rule = upper.startsWith('RRULE:') ? token.slice('RRULE:'.length) : token;
    } else if (/^(EXDATE|RDATE|EXRULE)[;:]/.test(upper)) {
      throw new ScheduleError('unsupported', `${upper.split(/[;:]/)[0]} is not supported: a schedule is one RRULE with an optional DTSTART`);
    } else {
      throw new ScheduleError('syntax', `cannot read "${token}": expected an RRULE such as FREQ=DAILY;BYHOUR=2;BYMINUTE=0, optionally after a DTSTART;TZID=Europe/Budapest:20260101T020000 line`);
    }
  }
  if (rule === undefined) throw new ScheduleError('missing-freq', 'no RRULE found: give one such as FREQ=DAILY;BYHOUR=2;BYMINUTE=0');
  return { parts: parseRuleValue(rule), ...(dtstart ?? {}) };
}

function parseDtstart(token: string): Pick<ParsedRule, 'dtstart' | 'zone'> {
  const colon = findValueColon(token);
  if (colon < 0) throw new ScheduleError('syntax', `DTSTART "${token}" has no value: write DTSTART;TZID=Europe/Budapest:20260101T020000`);
  const params = token.slice('DTSTART'.length, colon).split(';').filter((p) => p !== '');
  const value = token.slice(colon + 1);
  let tzid: string | undefined;
  let valueType: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = param.slice(0, eq).toUpperCase();
    const v = param.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    if (eq < 0) throw new ScheduleError('syntax', `DTSTART parameter "${param}" has no value`);
    if (name === 'TZID') tzid = v;
    else if (name === 'VALUE') valueType = v.toUpperCase();
    else throw new ScheduleError('syntax', `DTSTART parameter ${name} is not supported (TZID and VALUE are)`);
  }
  const m = /^(\d{8})(?:T(\d{6})(Z?))?$/i.exec(value);
  if (!m) throw new ScheduleError('syntax', `DTSTART value "${value}" must be YYYYMMDDTHHMMSS (local), YYYYMMDDTHHMMSSZ (UTC) or YYYYMMDD`);
  const [, date = '', time, z] = m;
  if (valueType === 'DATE' && time !== undefined) throw new ScheduleError('syntax', `DTSTART;VALUE=DATE must be a date (YYYYMMDD), not "${value}"`);
  if (valueType !== undefined && valueType !== 'DATE' && valueType !== 'DATE-TIME') {
    throw new ScheduleError('syntax', `DTSTART VALUE=${valueType} is not supported (DATE or DATE-TIME)`);
  }
  const wall = basicToWall(date, time ?? '000000', 'DTSTART');
  if (z) {
    if (tzid !== undefined) throw new ScheduleError('syntax', 'DTSTART with TZID must be a local time, without the trailing Z');
    return { dtstart: { instant: wall }, zone: 'UTC' };
  }
  return { dtstart: { wall }, ...(tzid !== undefined ? { zone: tzid } : {}) };
}

/** The colon that starts the value: the first one outside a quoted parameter value. */
function findValueColon(token: string): number {
  let quoted = false;
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '"') quoted = !quoted;
    else if (token[i] === ':' && !quoted) return i;
  }
  return -1;
}

function basicToWall(date: string, time: string, what: string): number {
  const [y, mo, d, h, mi, s] = [date.slice(0, 4), date.slice(4, 6), date.slice(6, 8), time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (y < 1900 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new ScheduleError('out-of-range', `${what} ${date}${time === '000000' ? '' : `T${time}`} is not a valid date and time from 1900 on`);
  }
  return wall;
}

const LIST_PARTS = {
  BYSECOND: 'bySecond',
  BYMINUTE: 'byMinute',
  BYHOUR: 'byHour',
  BYMONTHDAY: 'byMonthDay',
  BYYEARDAY: 'byYearDay',
  BYWEEKNO: 'byWeekNo',
  BYMONTH: 'byMonth',
  BYSETPOS: 'bySetPos',
} as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The RRULE value: `FREQ=...;...` (RFC 5545 3.3.10). Names are case-insensitive; each part at most once. */
export function parseRuleValue(value: string): RuleParts {
  const seen = new Set<string>();
  let freq: Frequency | undefined;
  const parts: Mutable<Omit<RuleParts, 'freq'>> = { interval: 1, wkst: 0 };
  for (const item of value.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 1) throw new ScheduleError('syntax', `RRULE part "${item}" must be NAME=VALUE`);
    const name = item.slice(0, eq).toUpperCase();
    const v = item.slice(eq + 1).toUpperCase();
    if (seen.has(name)) throw new ScheduleError('syntax', `RRULE part ${name} is given twice`);
    seen.add(name);
    if (v === '') throw new ScheduleError('syntax', `RRULE part ${name} has no value`);
    switch (name) {
      case 'FREQ':
        freq = parseFreq(v);
        break;
      case 'INTERVAL':
        parts.interval = integer(name, v);
        break;
      case 'COUNT':
        parts.count = integer(name, v);
        break;
      case 'UNTIL':
        parts.until = parseUntil(v);
        break;
      case 'WKST':
        parts.wkst = weekday(name, v);
        break;
      case 'BYDAY':
        parts.byDay = v.split(',').map(parseByDay);
        break;
      default: {
        const key = LIST_PARTS[name as keyof typeof LIST_PARTS];
        if (!key) throw new ScheduleError('syntax', `unknown RRULE part "${name}"`);
        parts[key] = v.split(',').map((x) => integer(name, x));
      }
    }
  }
  if (!freq) throw new ScheduleError('missing-freq', 'the rule has no FREQ: start it with FREQ=DAILY (or YEARLY, MONTHLY, WEEKLY, HOURLY, MINUTELY)');
  return { freq, ...parts };
}

function parseFreq(v: string): Frequency {
  switch (v) {
    case 'YEARLY':
    case 'MONTHLY':
    case 'WEEKLY':
    case 'DAILY':
    case 'HOURLY':
    case 'MINUTELY':
      return v;
    case 'SECONDLY':
      throw new ScheduleError('unsupported', 'FREQ=SECONDLY is not supported: schedules work to the minute (execution names carry the minute)');
    case 'QUARTERLY':
      throw new ScheduleError('unsupported', 'FREQ=QUARTERLY is not RFC 5545: write FREQ=MONTHLY;INTERVAL=3 (the JSON recurrence_rule object accepts QUARTERLY)');
    case 'ONETIME':
      throw new ScheduleError('unsupported', 'FREQ=ONETIME is not RFC 5545: write DTSTART;TZID=...:YYYYMMDDTHHMMSS with FREQ=DAILY;COUNT=1 (the JSON recurrence_rule object accepts ONETIME)');
    default:
      throw new ScheduleError('syntax', `FREQ=${v} is not a frequency: use YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY or MINUTELY`);
  }
}

function integer(name: string, v: string): number {
  if (!/^[+-]?\d{1,9}$/.test(v)) throw new ScheduleError('syntax', `${name} value "${v}" is not a whole number`);
  return Number(v);
}

function weekday(name: string, v: string): number {
  const i = (WEEKDAY_CODES as readonly string[]).indexOf(v);
  if (i < 0) throw new ScheduleError('syntax', `${name} value "${v}" is not a weekday (MO, TU, WE, TH, FR, SA, SU)`);
  return i;
}

export function parseByDay(v: string): ByDay {
  const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(v);
  if (!m) throw new ScheduleError('syntax', `BYDAY value "${v}" must be a weekday (MO ... SU), optionally after an ordinal such as 1MO or -1FR`);
  const weekdayIndex = weekday('BYDAY', m[2] ?? '');
  return m[1] === undefined ? { weekday: weekdayIndex } : { weekday: weekdayIndex, nth: Number(m[1]) };
}

function parseUntil(v: string): UntilSpec {
  const m = /^(\d{8})(?:T(\d{6})(Z?))?$/.exec(v);
  if (!m) throw new ScheduleError('syntax', `UNTIL value "${v}" must be YYYYMMDDTHHMMSSZ (UTC), YYYYMMDDTHHMMSS (local) or YYYYMMDD`);
  const [, date = '', time, z] = m;
  const wall = basicToWall(date, time ?? '000000', 'UNTIL');
  if (time === undefined) return { kind: 'date', wall };
  return z ? { kind: 'instant', instant: wall } : { kind: 'local', wall };
}
