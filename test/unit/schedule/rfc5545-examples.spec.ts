import { describe, expect, it } from 'vitest';
import { formatInstant, nextOccurrences, parseSchedule } from '../../../lambdas/schedule';

/**
 * The examples of RFC 5545 section 3.8.5.3, all with DTSTART;TZID=America/New_York. Expected
 * values are the RFC's local dates and times; the EDT/EST offset comes from the US DST rules of
 * those years written out below (not from Intl), so this also checks the zone conversion.
 */

/** US DST: 1987-2006 first Sunday of April to last Sunday of October; 2007 on second Sunday of March to first Sunday of November. */
function usDst(y: number, m: number, d: number): boolean {
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(y, month - 1, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + (n - 1) * 7;
  };
  const lastSunday = (month: number) => {
    const days = new Date(Date.UTC(y, month, 0)).getUTCDate();
    const last = new Date(Date.UTC(y, month - 1, days)).getUTCDay();
    return days - last;
  };
  const [sm, sd, em, ed] = y >= 2007 ? [3, nthSunday(3, 2), 11, nthSunday(11, 1)] : [4, nthSunday(4, 1), 10, lastSunday(10)];
  const key = m * 100 + d;
  return key >= sm * 100 + sd && key < em * 100 + ed;
}

/** `ny('1997-09', [2, 3], '09:00')` -> UTC instants of those New York local times (never at a transition hour). */
function ny(month: string, days: readonly number[], time = '09:00'): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return days.map((d) => {
    const offset = usDst(y, m, d) ? '-04:00' : '-05:00';
    return formatInstant(new Date(`${month}-${String(d).padStart(2, '0')}T${time}:00${offset}`));
  });
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let d = from; d <= to; d += step) out.push(d);
  return out;
}

const NY = 'DTSTART;TZID=America/New_York:';

interface Example {
  title: string;
  dtstart: string;
  rules: string[];
  expected: string[];
  /** The rule ends after these (COUNT/UNTIL): asking for one more gives nothing more. */
  complete: boolean;
}

const examples: Example[] = [
  { title: 'Daily for 10 occurrences', dtstart: '19970902T090000', rules: ['FREQ=DAILY;COUNT=10'], expected: ny('1997-09', range(2, 11)), complete: true },
  {
    title: 'Daily until December 24, 1997',
    dtstart: '19970902T090000',
    rules: ['FREQ=DAILY;UNTIL=19971224T000000Z'],
    expected: [...ny('1997-09', range(2, 30)), ...ny('1997-10', range(1, 31)), ...ny('1997-11', range(1, 30)), ...ny('1997-12', range(1, 23))],
    complete: true,
  },
  {
    title: 'Every other day - forever',
    dtstart: '19970902T090000',
    rules: ['FREQ=DAILY;INTERVAL=2'],
    expected: [...ny('1997-09', range(2, 30, 2)), ...ny('1997-10', range(2, 30, 2)), ...ny('1997-11', range(1, 29, 2)), ...ny('1997-12', [1, 3])],
    complete: false,
  },
  { title: 'Every 10 days, 5 occurrences', dtstart: '19970902T090000', rules: ['FREQ=DAILY;INTERVAL=10;COUNT=5'], expected: [...ny('1997-09', [2, 12, 22]), ...ny('1997-10', [2, 12])], complete: true },
  {
    title: 'Every day in January, for 3 years',
    dtstart: '19980101T090000',
    rules: ['FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA', 'FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1'],
    expected: [...ny('1998-01', range(1, 31)), ...ny('1999-01', range(1, 31)), ...ny('2000-01', range(1, 31))],
    complete: true,
  },
  {
    title: 'Weekly for 10 occurrences',
    dtstart: '19970902T090000',
    rules: ['FREQ=WEEKLY;COUNT=10'],
    expected: [...ny('1997-09', [2, 9, 16, 23, 30]), ...ny('1997-10', [7, 14, 21, 28]), ...ny('1997-11', [4])],
    complete: true,
  },
  {
    title: 'Weekly until December 24, 1997',
    dtstart: '19970902T090000',
    rules: ['FREQ=WEEKLY;UNTIL=19971224T000000Z'],
    expected: [...ny('1997-09', [2, 9, 16, 23, 30]), ...ny('1997-10', [7, 14, 21, 28]), ...ny('1997-11', [4, 11, 18, 25]), ...ny('1997-12', [2, 9, 16, 23])],
    complete: true,
  },
  {
    title: 'Every other week - forever',
    dtstart: '19970902T090000',
    rules: ['FREQ=WEEKLY;INTERVAL=2;WKST=SU'],
    expected: [...ny('1997-09', [2, 16, 30]), ...ny('1997-10', [14, 28]), ...ny('1997-11', [11, 25]), ...ny('1997-12', [9, 23]), ...ny('1998-01', [6, 20]), ...ny('1998-02', [3, 17])],
    complete: false,
  },
  {
    title: 'Weekly on Tuesday and Thursday for five weeks',
    dtstart: '19970902T090000',
    rules: ['FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH', 'FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH'],
    expected: [...ny('1997-09', [2, 4, 9, 11, 16, 18, 23, 25, 30]), ...ny('1997-10', [2])],
    complete: true,
  },
  {
    title: 'Every other week on Monday, Wednesday, and Friday until December 24, 1997',
    dtstart: '19970901T090000',
    rules: ['FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR'],
    expected: [
      ...ny('1997-09', [1, 3, 5, 15, 17, 19, 29]),
      ...ny('1997-10', [1, 3, 13, 15, 17, 27, 29, 31]),
      ...ny('1997-11', [10, 12, 14, 24, 26, 28]),
      ...ny('1997-12', [8, 10, 12, 22]),
    ],
    complete: true,
  },
  {
    title: 'Every other week on Tuesday and Thursday, for 8 occurrences',
    dtstart: '19970902T090000',
    rules: ['FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH'],
    expected: [...ny('1997-09', [2, 4, 16, 18, 30]), ...ny('1997-10', [2, 14, 16])],
    complete: true,
  },
  {
    title: 'Monthly on the first Friday for 10 occurrences',
    dtstart: '19970905T090000',
    rules: ['FREQ=MONTHLY;COUNT=10;BYDAY=1FR'],
    expected: [
      ...ny('1997-09', [5]), ...ny('1997-10', [3]), ...ny('1997-11', [7]), ...ny('1997-12', [5]), ...ny('1998-01', [2]),
      ...ny('1998-02', [6]), ...ny('1998-03', [6]), ...ny('1998-04', [3]), ...ny('1998-05', [1]), ...ny('1998-06', [5]),
    ],
    complete: true,
  },
  {
    title: 'Monthly on the first Friday until December 24, 1997',
    dtstart: '19970905T090000',
    rules: ['FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR'],
    expected: [...ny('1997-09', [5]), ...ny('1997-10', [3]), ...ny('1997-11', [7]), ...ny('1997-12', [5])],
    complete: true,
  },
  {
    title: 'Every other month on the first and last Sunday of the month for 10 occurrences',
    dtstart: '19970907T090000',
    rules: ['FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU'],
    expected: [...ny('1997-09', [7, 28]), ...ny('1997-11', [2, 30]), ...ny('1998-01', [4, 25]), ...ny('1998-03', [1, 29]), ...ny('1998-05', [3, 31])],
    complete: true,
  },
  {
    title: 'Monthly on the second-to-last Monday of the month for 6 months',
    dtstart: '19970922T090000',
    rules: ['FREQ=MONTHLY;COUNT=6;BYDAY=-2MO'],
    expected: [...ny('1997-09', [22]), ...ny('1997-10', [20]), ...ny('1997-11', [17]), ...ny('1997-12', [22]), ...ny('1998-01', [19]), ...ny('1998-02', [16])],
    complete: true,
  },
  {
    title: 'Monthly on the third-to-the-last day of the month, forever',
    dtstart: '19970928T090000',
    rules: ['FREQ=MONTHLY;BYMONTHDAY=-3'],
    expected: [...ny('1997-09', [28]), ...ny('1997-10', [29]), ...ny('1997-11', [28]), ...ny('1997-12', [29]), ...ny('1998-01', [29]), ...ny('1998-02', [26])],
    complete: false,
  },
  {
    title: 'Monthly on the 2nd and 15th of the month for 10 occurrences',
    dtstart: '19970902T090000',
    rules: ['FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15'],
    expected: [...ny('1997-09', [2, 15]), ...ny('1997-10', [2, 15]), ...ny('1997-11', [2, 15]), ...ny('1997-12', [2, 15]), ...ny('1998-01', [2, 15])],
    complete: true,
  },
  {
    title: 'Monthly on the first and last day of the month for 10 occurrences',
    dtstart: '19970930T090000',
    rules: ['FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1'],
    expected: [...ny('1997-09', [30]), ...ny('1997-10', [1, 31]), ...ny('1997-11', [1, 30]), ...ny('1997-12', [1, 31]), ...ny('1998-01', [1, 31]), ...ny('1998-02', [1])],
    complete: true,
  },
  {
    title: 'Every 18 months on the 10th thru 15th of the month for 10 occurrences',
    dtstart: '19970910T090000',
    rules: ['FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15'],
    expected: [...ny('1997-09', range(10, 15)), ...ny('1999-03', range(10, 13))],
    complete: true,
  },
  {
    title: 'Every Tuesday, every other month',
    dtstart: '19970902T090000',
    rules: ['FREQ=MONTHLY;INTERVAL=2;BYDAY=TU'],
    expected: [...ny('1997-09', [2, 9, 16, 23, 30]), ...ny('1997-11', [4, 11, 18, 25]), ...ny('1998-01', [6, 13, 20, 27]), ...ny('1998-03', [3, 10, 17, 24, 31])],
    complete: false,
  },
  {
    title: 'Yearly in June and July for 10 occurrences',
    dtstart: '19970610T090000',
    rules: ['FREQ=YEARLY;COUNT=10;BYMONTH=6,7'],
    expected: [1997, 1998, 1999, 2000, 2001].flatMap((y) => [...ny(`${y}-06`, [10]), ...ny(`${y}-07`, [10])]),
    complete: true,
  },
  {
    title: 'Every other year on January, February, and March for 10 occurrences',
    dtstart: '19970310T090000',
    rules: ['FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3'],
    expected: [...ny('1997-03', [10]), ...[1999, 2001, 2003].flatMap((y) => [...ny(`${y}-01`, [10]), ...ny(`${y}-02`, [10]), ...ny(`${y}-03`, [10])])],
    complete: true,
  },
  {
    title: 'Every third year on the 1st, 100th, and 200th day for 10 occurrences',
    dtstart: '19970101T090000',
    rules: ['FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200'],
    expected: [
      ...ny('1997-01', [1]), ...ny('1997-04', [10]), ...ny('1997-07', [19]),
      ...ny('2000-01', [1]), ...ny('2000-04', [9]), ...ny('2000-07', [18]),
      ...ny('2003-01', [1]), ...ny('2003-04', [10]), ...ny('2003-07', [19]),
      ...ny('2006-01', [1]),
    ],
    complete: true,
  },
  {
    title: 'Every 20th Monday of the year, forever',
    dtstart: '19970519T090000',
    rules: ['FREQ=YEARLY;BYDAY=20MO'],
    expected: [...ny('1997-05', [19]), ...ny('1998-05', [18]), ...ny('1999-05', [17])],
    complete: false,
  },
  {
    title: 'Monday of week number 20 (where the default start of the week is Monday), forever',
    dtstart: '19970512T090000',
    rules: ['FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO'],
    expected: [...ny('1997-05', [12]), ...ny('1998-05', [11]), ...ny('1999-05', [17])],
    complete: false,
  },
  {
    title: 'Every Thursday in March, forever',
    dtstart: '19970313T090000',
    rules: ['FREQ=YEARLY;BYMONTH=3;BYDAY=TH'],
    expected: [...ny('1997-03', [13, 20, 27]), ...ny('1998-03', [5, 12, 19, 26]), ...ny('1999-03', [4, 11, 18, 25])],
    complete: false,
  },
  {
    title: 'Every Thursday, but only during June, July, and August, forever',
    dtstart: '19970605T090000',
    rules: ['FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8'],
    expected: [
      ...ny('1997-06', [5, 12, 19, 26]), ...ny('1997-07', [3, 10, 17, 24, 31]), ...ny('1997-08', [7, 14, 21, 28]),
      ...ny('1998-06', [4, 11, 18, 25]), ...ny('1998-07', [2, 9, 16, 23, 30]), ...ny('1998-08', [6, 13, 20, 27]),
      ...ny('1999-06', [3, 10, 17, 24]), ...ny('1999-07', [1, 8, 15, 22, 29]), ...ny('1999-08', [5, 12, 19, 26]),
    ],
    complete: false,
  },
  {
    // The RFC adds EXDATE for DTSTART, which is not a Friday the 13th and so is no occurrence anyway.
    title: 'Every Friday the 13th, forever',
    dtstart: '19970902T090000',
    rules: ['FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13'],
    expected: [...ny('1998-02', [13]), ...ny('1998-03', [13]), ...ny('1998-11', [13]), ...ny('1999-08', [13]), ...ny('2000-10', [13])],
    complete: false,
  },
  {
    title: 'The first Saturday that follows the first Sunday of the month, forever',
    dtstart: '19970913T090000',
    rules: ['FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13'],
    expected: [
      ...ny('1997-09', [13]), ...ny('1997-10', [11]), ...ny('1997-11', [8]), ...ny('1997-12', [13]), ...ny('1998-01', [10]),
      ...ny('1998-02', [7]), ...ny('1998-03', [7]), ...ny('1998-04', [11]), ...ny('1998-05', [9]), ...ny('1998-06', [13]),
    ],
    complete: false,
  },
  {
    title: 'Every 4 years, the first Tuesday after a Monday in November, forever (U.S. Presidential Election day)',
    dtstart: '19961105T090000',
    rules: ['FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8'],
    expected: [...ny('1996-11', [5]), ...ny('2000-11', [7]), ...ny('2004-11', [2])],
    complete: false,
  },
  {
    title: 'The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months',
    dtstart: '19970904T090000',
    rules: ['FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3'],
    expected: [...ny('1997-09', [4]), ...ny('1997-10', [7]), ...ny('1997-11', [6])],
    complete: true,
  },
  {
    title: 'The second-to-last weekday of the month',
    dtstart: '19970929T090000',
    rules: ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2'],
    expected: [...ny('1997-09', [29]), ...ny('1997-10', [30]), ...ny('1997-11', [27]), ...ny('1997-12', [30]), ...ny('1998-01', [29]), ...ny('1998-02', [26]), ...ny('1998-03', [30])],
    complete: false,
  },
  {
    // The RFC lists 09:00, 12:00 and 15:00, but its UNTIL (17:00Z) is 13:00 EDT, and UNTIL is
    // inclusive and in UTC when DTSTART has a TZID (3.3.10): 15:00 EDT is past it. dateutil agrees.
    title: 'Every 3 hours from 9:00 AM to 5:00 PM on a specific day',
    dtstart: '19970902T090000',
    rules: ['FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z'],
    expected: [...ny('1997-09', [2], '09:00'), ...ny('1997-09', [2], '12:00')],
    complete: true,
  },
  {
    title: 'Every 15 minutes for 6 occurrences',
    dtstart: '19970902T090000',
    rules: ['FREQ=MINUTELY;INTERVAL=15;COUNT=6'],
    expected: ['09:00', '09:15', '09:30', '09:45', '10:00', '10:15'].flatMap((t) => ny('1997-09', [2], t)),
    complete: true,
  },
  {
    title: 'Every hour and a half for 4 occurrences',
    dtstart: '19970902T090000',
    rules: ['FREQ=MINUTELY;INTERVAL=90;COUNT=4'],
    expected: ['09:00', '10:30', '12:00', '13:30'].flatMap((t) => ny('1997-09', [2], t)),
    complete: true,
  },
  {
    title: 'Every 20 minutes from 9:00 AM to 4:40 PM every day',
    dtstart: '19970902T090000',
    rules: ['FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40', 'FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16'],
    expected: [
      ...range(9, 16).flatMap((h) => [0, 20, 40].flatMap((m) => ny('1997-09', [2], `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`))),
      ...ny('1997-09', [3], '09:00'),
      ...ny('1997-09', [3], '09:20'),
    ],
    complete: false,
  },
  {
    title: 'WKST makes a difference (WKST=MO)',
    dtstart: '19970805T090000',
    rules: ['FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO'],
    expected: ny('1997-08', [5, 10, 19, 24]),
    complete: true,
  },
  {
    title: 'WKST makes a difference (WKST=SU)',
    dtstart: '19970805T090000',
    rules: ['FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU'],
    expected: ny('1997-08', [5, 17, 19, 31]),
    complete: true,
  },
  {
    title: 'An invalid date (February 30) is ignored',
    dtstart: '20070115T090000',
    rules: ['FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5'],
    expected: [...ny('2007-01', [15, 30]), ...ny('2007-02', [15]), ...ny('2007-03', [15, 30])],
    complete: true,
  },
];

describe('RFC 5545 section 3.8.5.3 examples (America/New_York)', () => {
  const cases = examples.flatMap((e) => e.rules.map((rule) => ({ ...e, rule })));
  it.each(cases)('$title: $rule', ({ dtstart, rule, expected, complete }) => {
    const schedule = parseSchedule(`${NY}${dtstart}\nRRULE:${rule}`);
    const start = schedule.dtstart;
    const got = nextOccurrences(schedule, start, expected.length + (complete ? 1 : 0)).map(formatInstant);
    expect(got).toEqual(expected);
  });

  it('checks its own DST table: 1997-10-26 is EST, 1997-10-25 is EDT, 2007-03-11 is EDT', () => {
    expect(ny('1997-10', [25, 26])).toEqual(['1997-10-25T13:00:00Z', '1997-10-26T14:00:00Z']);
    expect(ny('2007-03', [10, 11])).toEqual(['2007-03-10T14:00:00Z', '2007-03-11T13:00:00Z']);
  });
});
