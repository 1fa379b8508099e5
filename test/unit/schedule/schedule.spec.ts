import { describe, expect, it } from 'vitest';
import {
  formatInstant,
  nextOccurrences,
  occurrencesBetween,
  parseSchedule,
  previousOccurrence,
  ScheduleError,
  validateSchedule,
  type ScheduleInput,
} from '../../../lambdas/schedule';

const iso = (dates: readonly Date[]) => dates.map(formatInstant);
const next = (input: ScheduleInput, tz: string | undefined, from: string, count: number) => iso(nextOccurrences(parseSchedule(input, tz), new Date(from), count));

function refusal(run: () => unknown): ScheduleError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error('expected a ScheduleError');
}

describe('wall-clock times across DST (RFC 5545: a gap is read with the offset before it, an overlap is its first instance)', () => {
  // Expected instants worked out by hand from each zone's published rules.
  it.each([
    ['Europe/Budapest spring forward (02:30 does not exist on 29 March)', 'Europe/Budapest', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-03-28T00:00:00Z', ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z']],
    ['Europe/Budapest fall back (02:30 happens twice on 25 October)', 'Europe/Budapest', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-10-24T00:00:00Z', ['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']],
    ['America/New_York spring forward (8 March)', 'America/New_York', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-03-07T00:00:00Z', ['2026-03-07T07:30:00Z', '2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z']],
    ['America/New_York fall back (1 November)', 'America/New_York', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', '2026-10-31T00:00:00Z', ['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']],
    ['Australia/Lord_Howe 30-minute spring forward (4 October, 02:00 -> 02:30)', 'Australia/Lord_Howe', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=15', '2026-10-02T12:00:00Z', ['2026-10-02T15:45:00Z', '2026-10-03T15:45:00Z', '2026-10-04T15:15:00Z']],
    ['Australia/Lord_Howe 30-minute fall back (5 April, 02:00 -> 01:30)', 'Australia/Lord_Howe', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=45', '2026-04-03T12:00:00Z', ['2026-04-03T14:45:00Z', '2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z']],
    ['Asia/Kolkata has no DST (European spring forward week)', 'Asia/Kolkata', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-03-27T12:00:00Z', ['2026-03-27T21:00:00Z', '2026-03-28T21:00:00Z', '2026-03-29T21:00:00Z']],
    ['Asia/Kolkata has no DST (European fall back week)', 'Asia/Kolkata', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-10-24T12:00:00Z', ['2026-10-24T21:00:00Z', '2026-10-25T21:00:00Z', '2026-10-26T21:00:00Z']],
  ])('%s', (_title, zone, rule, from, expected) => {
    expect(next(rule, zone, from, 3)).toEqual(expected);
  });

  it('HOURLY over spring forward: 02:00 does not exist and lands on 03:00, which is kept once', () => {
    const s = parseSchedule('FREQ=HOURLY;BYMINUTE=0', 'Europe/Budapest');
    expect(iso(occurrencesBetween(s, new Date('2026-03-28T22:30:00Z'), new Date('2026-03-29T02:30:00Z')))).toEqual([
      '2026-03-28T23:00:00Z', // 00:00 CET
      '2026-03-29T00:00:00Z', // 01:00 CET
      '2026-03-29T01:00:00Z', // 02:00 (gap) = 03:00 CEST = 03:00 CEST
      '2026-03-29T02:00:00Z', // 04:00 CEST
    ]);
  });

  it('HOURLY over fall back: wall-clock 02:00 is its first instance; the repeated hour is not a second occurrence', () => {
    const s = parseSchedule('FREQ=HOURLY;BYMINUTE=0', 'Europe/Budapest');
    expect(iso(occurrencesBetween(s, new Date('2026-10-24T22:30:00Z'), new Date('2026-10-25T02:30:00Z')))).toEqual([
      '2026-10-24T23:00:00Z', // 01:00 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST (first 02:00)
      '2026-10-25T02:00:00Z', // 03:00 CET; 01:00Z (the second 02:00) is not an occurrence
    ]);
  });

  it('a BYHOUR that does not exist that day moves forward by the gap; two BYHOURs that meet count once', () => {
    expect(next('FREQ=DAILY;BYHOUR=2;BYMINUTE=0', 'Europe/Budapest', '2026-03-29T00:00:00Z', 2)).toEqual(['2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z']);
    expect(next('FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0', 'Europe/Budapest', '2026-03-29T00:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:00:00Z',
      '2026-03-30T01:00:00Z',
    ]);
  });

  it('a midnight transition (America/Sao_Paulo 2018: 00:00 did not exist on 4 November)', () => {
    expect(next('FREQ=DAILY', 'America/Sao_Paulo', '2018-11-03T00:00:00Z', 3)).toEqual(['2018-11-03T03:00:00Z', '2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z']);
  });
});

describe('rules', () => {
  it('last weekday of the month with BYSETPOS', () => {
    expect(next('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=22;BYMINUTE=0', 'UTC', '2026-01-01T00:00:00Z', 6)).toEqual([
      '2026-01-30T22:00:00Z', // Saturday the 31st is skipped
      '2026-02-27T22:00:00Z',
      '2026-03-31T22:00:00Z',
      '2026-04-30T22:00:00Z',
      '2026-05-29T22:00:00Z', // Sunday the 31st, Saturday the 30th
      '2026-06-30T22:00:00Z',
    ]);
  });

  it('QUARTERLY (recurrence_rule object) is every 3 months, counted from January 2000 without dtstart', () => {
    const quarterly = { freq: 'QUARTERLY', bymonthday: [1], byhour: [3], byminute: [0] };
    expect(next(quarterly, 'UTC', '2026-02-01T00:00:00Z', 4)).toEqual(['2026-04-01T03:00:00Z', '2026-07-01T03:00:00Z', '2026-10-01T03:00:00Z', '2027-01-01T03:00:00Z']);
    expect(next(quarterly, 'UTC', '2026-02-01T00:00:00Z', 12)).toEqual(next('FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1;BYHOUR=3;BYMINUTE=0', 'UTC', '2026-02-01T00:00:00Z', 12));
    // With dtstart in February the quarters are Feb/May/Aug/Nov.
    const fromFeb = { ...quarterly, dtstart: Date.UTC(2026, 1, 1) / 1000 };
    expect(next(fromFeb, 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-02-01T03:00:00Z', '2026-05-01T03:00:00Z', '2026-08-01T03:00:00Z']);
  });

  it('ONETIME runs once, at dtstart (epoch seconds, also as a high-precision decimal string)', () => {
    const at = Date.UTC(2026, 2, 29, 1, 30) / 1000;
    expect(next({ freq: 'ONETIME', dtstart: at, timezone: 'Europe/Budapest' }, undefined, '2026-01-01T00:00:00Z', 5)).toEqual(['2026-03-29T01:30:00Z']);
    expect(next({ freq: 'ONETIME', dtstart: `${at}.123456789` }, 'Europe/Budapest', '2026-01-01T00:00:00Z', 5)).toEqual(['2026-03-29T01:30:00Z']);
    expect(next({ freq: 'ONETIME', dtstart: at }, 'UTC', '2026-03-29T01:30:01Z', 5)).toEqual([]);
    expect(parseSchedule({ freq: 'ONETIME', dtstart: at }, 'UTC').once).toBe(true);
  });

  it('COUNT counts occurrences, including one moved by a gap', () => {
    expect(next('DTSTART;TZID=Europe/Budapest:20260328T023000\nRRULE:FREQ=DAILY;COUNT=3', undefined, '2026-01-01T00:00:00Z', 10)).toEqual([
      '2026-03-28T01:30:00Z',
      '2026-03-29T01:30:00Z',
      '2026-03-30T00:30:00Z',
    ]);
  });

  it('COUNT counts wall-clock occurrences: 02:00 and 03:00 on a spring-forward day are one instant', () => {
    expect(next('DTSTART;TZID=Europe/Budapest:20260329T010000\nRRULE:FREQ=HOURLY;COUNT=4', undefined, '2026-01-01T00:00:00Z', 10)).toEqual([
      '2026-03-29T00:00:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-29T02:00:00Z',
    ]);
  });

  it('UNTIL in UTC is inclusive and compared as an instant (the first 01:30 of the fall-back night)', () => {
    const rule = (until: string) => `DTSTART;TZID=America/New_York:20261030T013000\nRRULE:FREQ=DAILY;UNTIL=${until}`;
    expect(next(rule('20261101T053000Z'), undefined, '2026-01-01T00:00:00Z', 10)).toEqual(['2026-10-30T05:30:00Z', '2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z']);
    expect(next(rule('20261101T052959Z'), undefined, '2026-01-01T00:00:00Z', 10)).toEqual(['2026-10-30T05:30:00Z', '2026-10-31T05:30:00Z']);
  });

  it('UNTIL as local time or as a date (through the end of that local day)', () => {
    expect(next('FREQ=DAILY;BYHOUR=2;UNTIL=20260330T020000', 'Europe/Budapest', '2026-03-28T00:00:00Z', 10)).toEqual([
      '2026-03-28T01:00:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:00:00Z',
    ]);
    expect(next('FREQ=DAILY;BYHOUR=23;UNTIL=20260330', 'Europe/Budapest', '2026-03-29T00:00:00Z', 10)).toEqual(['2026-03-29T21:00:00Z', '2026-03-30T21:00:00Z']);
  });

  it('without DTSTART the anchor is 2000-01-01T00:00 local, whenever the config is loaded', () => {
    // 2026-01-01 is day 9497 after 2000-01-01 (odd), so every-other-day runs on 2025-12-31 and 2026-01-02.
    expect(next('FREQ=DAILY;INTERVAL=2', 'UTC', '2025-12-31T00:00:00Z', 3)).toEqual(['2025-12-31T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-04T00:00:00Z']);
    // A bare WEEKLY runs on the anchor's weekday (Saturday) at its time (00:00 local).
    expect(next('FREQ=WEEKLY', 'Europe/Budapest', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-02T23:00:00Z', '2026-01-09T23:00:00Z']);
    const s = parseSchedule('FREQ=DAILY;INTERVAL=2', 'Asia/Kolkata');
    expect(s.anchored).toBe(true);
    expect(s.text).toBe('DTSTART;TZID=Asia/Kolkata:20000101T000000\nRRULE:FREQ=DAILY;INTERVAL=2');
    expect(formatInstant(s.dtstart)).toBe('1999-12-31T18:30:00Z');
  });

  it('HOURLY/MINUTELY with an INTERVAL that does not divide the day (rrule 2.8.1 skips some of these)', () => {
    expect(next('FREQ=MINUTELY;INTERVAL=90;BYHOUR=9,10,11,12,13,14,15,16', 'UTC', '2026-01-01T00:00:00Z', 8)).toEqual([
      '2026-01-01T09:00:00Z',
      '2026-01-01T10:30:00Z',
      '2026-01-01T12:00:00Z',
      '2026-01-01T13:30:00Z',
      '2026-01-01T15:00:00Z',
      '2026-01-01T16:30:00Z',
      '2026-01-02T09:00:00Z', // 16:30 + 11 x 90 min
      '2026-01-02T10:30:00Z',
    ]);
  });

  it('the written-out text means the same rule', () => {
    const s = parseSchedule('FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=1,2,3;BYMINUTE=30', 'Europe/Budapest');
    const again = parseSchedule(s.text);
    const from = new Date('2026-01-01T00:00:00Z');
    expect(iso(nextOccurrences(again, from, 40))).toEqual(iso(nextOccurrences(s, from, 40)));
  });

  it('RRULE: prefix, DTSTART on the same line, folded lines and lower case are read alike', () => {
    const expected = next('DTSTART;TZID=Europe/Budapest:20260101T020000\nRRULE:FREQ=DAILY', undefined, '2026-03-27T00:00:00Z', 4);
    expect(next('DTSTART;TZID=Europe/Budapest:20260101T020000 RRULE:FREQ=DAILY', undefined, '2026-03-27T00:00:00Z', 4)).toEqual(expected);
    expect(next('DTSTART;TZID="Europe/Budapest":20260101T020000\r\nRRULE:FR\r\n EQ=DAILY', undefined, '2026-03-27T00:00:00Z', 4)).toEqual(expected);
    expect(next('dtstart;tzid=Europe/Budapest:20260101T020000\nrrule:freq=daily', undefined, '2026-03-27T00:00:00Z', 4)).toEqual(expected);
    expect(next('RRULE:FREQ=DAILY;BYHOUR=2', 'Europe/Budapest', '2026-03-27T00:00:00Z', 4)).toEqual(expected);
  });
});

describe('two input forms, one meaning', () => {
  const from = '2026-01-01T00:00:00Z';
  it.each([
    [{ freq: 'DAILY', byhour: [2], byminute: [30] }, 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30'],
    [{ freq: 'WEEKLY', byday: ['SU', 'WE'], byhour: [1], byminute: [15], interval: 2 }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;BYHOUR=1;BYMINUTE=15'],
    [{ freq: 'MONTHLY', byday: ['MO', 'TU', 'WE', 'TH', 'FR'], bysetpos: [-1], byhour: [23], byminute: [0] }, 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=23;BYMINUTE=0'],
    [{ freq: 'YEARLY', bymonth: [3, 10], bymonthday: [-1], byhour: [2], byminute: [30], bysecond: [0] }, 'FREQ=YEARLY;BYMONTH=3,10;BYMONTHDAY=-1;BYHOUR=2;BYMINUTE=30;BYSECOND=0'],
    [{ freq: 'HOURLY', interval: 6, byminute: [5] }, 'FREQ=HOURLY;INTERVAL=6;BYMINUTE=5'],
  ])('%j', (object, text) => {
    expect(next(object, 'Europe/Budapest', from, 60)).toEqual(next(text, 'Europe/Budapest', from, 60));
    expect(next({ ...object, timezone: 'Europe/Budapest' }, undefined, from, 60)).toEqual(next(text, 'Europe/Budapest', from, 60));
  });

  it('dtstart / until in epoch seconds = DTSTART;TZID / UNTIL...Z', () => {
    const object = { freq: 'DAILY', dtstart: Date.UTC(2026, 2, 27, 1, 30) / 1000, until: String(Date.UTC(2026, 2, 30, 0, 30) / 1000), timezone: 'Europe/Budapest' };
    const text = 'DTSTART;TZID=Europe/Budapest:20260327T023000\nRRULE:FREQ=DAILY;UNTIL=20260330T003000Z';
    expect(next(object, undefined, from, 10)).toEqual(next(text, undefined, from, 10));
    expect(next(object, undefined, from, 10)).toHaveLength(4);
  });

  it('null fields count as absent (as the device API returns them)', () => {
    expect(next({ freq: 'DAILY', byhour: [2], count: null, until: null, byday: null }, 'UTC', from, 3)).toEqual(next('FREQ=DAILY;BYHOUR=2', 'UTC', from, 3));
  });
});

describe('invalid rules are refused with the reason', () => {
  it.each<[string, ScheduleInput, string | undefined, string, RegExp]>([
    ['COUNT with UNTIL', 'FREQ=DAILY;COUNT=5;UNTIL=20300101T000000Z', 'UTC', 'count-and-until', /COUNT and UNTIL must not both be given/],
    ['COUNT with UNTIL (object)', { freq: 'DAILY', count: 5, until: '1900000000' }, 'UTC', 'count-and-until', /COUNT and UNTIL/],
    ['BYSETPOS alone', 'FREQ=MONTHLY;BYSETPOS=-1', 'UTC', 'bysetpos-alone', /BYSETPOS must be used together with another BYxxx part/],
    ['BYSETPOS alone (object)', { freq: 'MONTHLY', bysetpos: [1] }, 'UTC', 'bysetpos-alone', /BYSETPOS/],
    ['BYMONTHDAY=0', 'FREQ=MONTHLY;BYMONTHDAY=1,0', 'UTC', 'bymonthday-zero', /BYMONTHDAY=0 is not a day/],
    ['bymonthday 0 (object)', { freq: 'MONTHLY', bymonthday: [0] }, 'UTC', 'bymonthday-zero', /BYMONTHDAY=0/],
    ['unknown zone', 'FREQ=DAILY', 'Mars/Olympus_Mons', 'unknown-zone', /unknown time zone "Mars\/Olympus_Mons"/],
    ['unknown zone in DTSTART', 'DTSTART;TZID=Europe/Atlantis:20260101T000000\nRRULE:FREQ=DAILY', undefined, 'unknown-zone', /the rule's unknown time zone "Europe\/Atlantis"/],
    ['unknown zone (object)', { freq: 'DAILY', timezone: 'Nowhere/Land' }, undefined, 'unknown-zone', /Nowhere\/Land/],
    ['zones that disagree', 'DTSTART;TZID=America/New_York:20260101T000000\nRRULE:FREQ=DAILY', 'Europe/Budapest', 'zone-conflict', /rule is in America\/New_York .* timezone is Europe\/Budapest/],
    ['UTC DTSTART on a device in another zone', 'DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY', 'Europe/Budapest', 'zone-conflict', /rule is in UTC/],
    ['no FREQ', 'BYHOUR=2', 'UTC', 'missing-freq', /no FREQ/],
    ['unknown part', 'FREQ=DAILY;BYHOURS=2', 'UTC', 'syntax', /unknown RRULE part "BYHOURS"/],
    ['part given twice', 'FREQ=DAILY;BYHOUR=1;BYHOUR=2', 'UTC', 'syntax', /given twice/],
    ['BYHOUR out of range', 'FREQ=DAILY;BYHOUR=24', 'UTC', 'out-of-range', /BYHOUR value 24 is out of range: use 0 to 23/],
    ['INTERVAL=0', 'FREQ=DAILY;INTERVAL=0', 'UTC', 'out-of-range', /INTERVAL must be a whole number of at least 1/],
    ['ordinal BYDAY in a WEEKLY rule', 'FREQ=WEEKLY;BYDAY=1MO', 'UTC', 'incompatible', /needs FREQ=MONTHLY or YEARLY/],
    ['BYMONTHDAY in a WEEKLY rule', 'FREQ=WEEKLY;BYMONTHDAY=1', 'UTC', 'incompatible', /BYMONTHDAY must not be used with FREQ=WEEKLY/],
    ['BYWEEKNO outside YEARLY', 'FREQ=MONTHLY;BYWEEKNO=1', 'UTC', 'incompatible', /BYWEEKNO needs FREQ=YEARLY/],
    ['SECONDLY', 'FREQ=SECONDLY', 'UTC', 'unsupported', /FREQ=SECONDLY is not supported/],
    ['several BYSECONDs', 'FREQ=DAILY;BYSECOND=0,30', 'UTC', 'unsupported', /several runs a minute/],
    ['QUARTERLY as text', 'FREQ=QUARTERLY', 'UTC', 'unsupported', /write FREQ=MONTHLY;INTERVAL=3/],
    ['EXDATE', 'DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY\nEXDATE:20260102T000000Z', 'UTC', 'unsupported', /EXDATE is not supported/],
    ['an unreachable BYHOUR', 'FREQ=HOURLY;INTERVAL=6;BYHOUR=3', 'UTC', 'unreachable', /INTERVAL=6 counted from DTSTART 20000101T000000 never reaches BYHOUR=3/],
    ['an unreachable BYMINUTE', 'FREQ=MINUTELY;INTERVAL=20;BYMINUTE=30', 'UTC', 'unreachable', /never reaches/],
    ['a BYSETPOS beyond every period', 'FREQ=MINUTELY;BYHOUR=1;BYSETPOS=2', 'UTC', 'unreachable', /BYSETPOS=2 can never pick anything: each MINUTELY period of this rule holds 1 time/],
    ['a BYSETPOS beyond every day', 'FREQ=DAILY;BYHOUR=1,2;BYSETPOS=3,-3', 'UTC', 'unreachable', /holds 2 times/],
    ['ONETIME without dtstart', { freq: 'ONETIME' }, 'UTC', 'syntax', /ONETIME needs "dtstart"/],
    ['dtstart in milliseconds', { freq: 'DAILY', dtstart: 1_774_747_800_000 }, 'UTC', 'out-of-range', /not milliseconds/],
    ['unknown object field', { freq: 'DAILY', byhours: [2] }, 'UTC', 'syntax', /unknown recurrence_rule field "byhours"/],
    ['unknown freq (object)', { freq: 'FORTNIGHTLY' }, 'UTC', 'syntax', /not one of YEARLY, QUARTERLY/],
    ['bad DTSTART', 'DTSTART;TZID=UTC:20260230T000000\nRRULE:FREQ=DAILY', undefined, 'out-of-range', /not a valid date/],
  ])('%s', (_title, input, tz, code, message) => {
    const error = refusal(() => parseSchedule(input, tz));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('names the config field at fault', () => {
    expect(refusal(() => parseSchedule('FREQ=DAILY', 'Mars/Olympus_Mons')).field).toBe('timezone');
    expect(refusal(() => parseSchedule('DTSTART;TZID=Europe/Atlantis:20260101T000000\nRRULE:FREQ=DAILY')).field).toBe('rrule');
    expect(refusal(() => parseSchedule('FREQ=MONTHLY;BYSETPOS=1', 'UTC')).field).toBe('rrule');
  });

  const now = new Date('2026-06-01T00:00:00Z');
  it.each<[string, ScheduleInput, RegExp]>([
    ['COUNT used up', 'DTSTART;TZID=UTC:20200101T020000\nRRULE:FREQ=DAILY;COUNT=3', /no occurrence after 2026-06-01T00:00:00Z: all its COUNT=3 occurrences are in the past/],
    ['UNTIL passed', 'FREQ=DAILY;UNTIL=20250101T000000Z', /its UNTIL 2025-01-01T00:00:00Z has passed/],
    ['ONETIME in the past', { freq: 'ONETIME', dtstart: 1_700_000_000 }, /its one run \(ONETIME at 2023-11-14T22:13:20Z\) is in the past/],
    ['a date that never exists', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', /no occurrence at all: no date matches/],
    ['UNTIL before DTSTART', 'DTSTART;TZID=UTC:20300101T000000\nRRULE:FREQ=DAILY;UNTIL=20290101T000000Z', /no occurrence at all: its UNTIL 2029-01-01T00:00:00Z is before its DTSTART/],
  ])('no future occurrence: %s', (_title, input, message) => {
    const error = refusal(() => validateSchedule(input, 'UTC', now));
    expect(error.code).toBe('no-occurrence');
    expect(error.message).toMatch(message);
  });

  it('without `now`, only a rule that never occurs is refused (the time-independent check)', () => {
    expect(() => validateSchedule('FREQ=DAILY;UNTIL=20250101T000000Z', 'UTC')).not.toThrow();
    expect(refusal(() => validateSchedule('FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31', 'UTC')).code).toBe('no-occurrence');
    expect(refusal(() => validateSchedule('FREQ=DAILY;INTERVAL=7;BYDAY=MO', 'UTC')).message).toMatch(/no occurrence at all/); // 2000-01-01 is a Saturday
    expect(refusal(() => validateSchedule('FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30', 'UTC')).message).toMatch(/no occurrence at all/);
  });

  it('accepts a rule with a future occurrence', () => {
    expect(validateSchedule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'UTC', now).timezone).toBe('UTC');
  });
});

describe('queries', () => {
  const s = parseSchedule('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Budapest');

  it('occurrencesBetween is [from, to) and honours limit', () => {
    expect(iso(occurrencesBetween(s, new Date('2026-03-28T01:30:00Z'), new Date('2026-03-30T00:30:00Z')))).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z']);
    expect(iso(occurrencesBetween(s, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), 2))).toEqual(['2026-01-01T01:30:00Z', '2026-01-02T01:30:00Z']);
    expect(occurrencesBetween(s, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toHaveLength(365);
  });

  it('previousOccurrence is strictly before, and bounded by notBefore', () => {
    expect(formatInstant(previousOccurrence(s, new Date('2026-03-29T01:30:00Z'))!)).toBe('2026-03-28T01:30:00Z');
    expect(formatInstant(previousOccurrence(s, new Date('2026-03-29T01:30:01Z'))!)).toBe('2026-03-29T01:30:00Z');
    expect(previousOccurrence(s, new Date('2026-03-29T01:30:00Z'), new Date('2026-03-28T01:30:01Z'))).toBeUndefined();
    expect(previousOccurrence(s, new Date('1999-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('parsed schedules are cached: the same input gives the same object', () => {
    expect(parseSchedule('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Budapest')).toBe(s);
    expect(parseSchedule({ byhour: [2], freq: 'DAILY' }, 'UTC')).toBe(parseSchedule({ freq: 'DAILY', byhour: [2] }, 'UTC'));
  });

  it('a long rule with an INTERVAL keeps its phase far from DTSTART (aligned expansion)', () => {
    // Every 7 hours from 2000-01-01T00:00Z: hours since then divisible by 7.
    const every7 = parseSchedule('FREQ=HOURLY;INTERVAL=7', 'UTC');
    for (const d of nextOccurrences(every7, new Date('2031-05-17T03:00:00Z'), 20)) {
      expect((d.getTime() - Date.UTC(2000, 0, 1)) % (7 * 3_600_000)).toBe(0);
    }
  });
});
