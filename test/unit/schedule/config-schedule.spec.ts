import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load';
import { scheduleProblemsAt } from '../../../lambdas/schedule/config-check';
import { configIssues } from '../support/config-issues';

const device = { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/ar11-lab' };
const config = (schedule: unknown) => ({ archive: {}, devices: [{ ...device, schedule }] });

describe('devices[].schedule in the config', () => {
  it('accepts RRULE text and the recurrence_rule object; timezone defaults to UTC or to the rule\'s own zone', () => {
    expect(parseConfig(config({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'Europe/Budapest' })).devices[0]?.schedule).toEqual({
      rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0',
      timezone: 'Europe/Budapest',
    });
    expect(parseConfig(config({ rrule: 'FREQ=DAILY' })).devices[0]?.schedule?.timezone).toBe('UTC');
    expect(parseConfig(config({ rrule: 'DTSTART;TZID=America/New_York:20260101T020000\nRRULE:FREQ=DAILY' })).devices[0]?.schedule?.timezone).toBe('America/New_York');
    expect(parseConfig(config({ rrule: { freq: 'QUARTERLY', byhour: [3], timezone: 'Asia/Kolkata' } })).devices[0]?.schedule?.timezone).toBe('Asia/Kolkata');
  });

  it.each([
    [{ rrule: 'FREQ=DAILY;COUNT=3;UNTIL=20300101T000000Z' }, /^devices\[0\]\.schedule\.rrule: COUNT and UNTIL must not both be given/],
    [{ rrule: 'FREQ=MONTHLY;BYSETPOS=-1' }, /^devices\[0\]\.schedule\.rrule: BYSETPOS must be used together with another BYxxx part/],
    [{ rrule: { freq: 'MONTHLY', bymonthday: [0] } }, /^devices\[0\]\.schedule\.rrule: BYMONTHDAY=0 is not a day/],
    [{ rrule: 'FREQ=DAILY', timezone: 'Europe/Atlantis' }, /^devices\[0\]\.schedule\.timezone: unknown time zone "Europe\/Atlantis"/],
    [{ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, /^devices\[0\]\.schedule\.rrule: the rule has no occurrence at all/],
    [{ rrule: 'DTSTART;TZID=America/New_York:20260101T020000\nRRULE:FREQ=DAILY', timezone: 'Europe/Budapest' }, /^devices\[0\]\.schedule\.timezone: the rule is in America\/New_York/],
    [{ rrule: 'FREQ=DAILY', timzone: 'UTC' }, /^devices\[0\]\.schedule: unknown field "timzone"/],
  ])('refuses an invalid schedule at load, naming the field and the reason (%#)', (schedule, expected) => {
    expect(configIssues(config(schedule)).join('\n')).toMatch(expected);
  });

  it('an expired rule still loads (the Lambdas re-validate the embedded config); scheduleProblemsAt reports it', () => {
    const loaded = parseConfig({
      archive: {},
      devices: [
        { ...device, schedule: { rrule: 'FREQ=DAILY;UNTIL=20250101T000000Z' } },
        { ...device, id: 'fine', schedule: { rrule: 'FREQ=DAILY' } },
        { ...device, id: 'none' },
      ],
    });
    expect(scheduleProblemsAt(loaded.devices, new Date('2026-06-01T00:00:00Z'))).toEqual([
      'devices[0].schedule.rrule: the rule has no occurrence after 2026-06-01T00:00:00Z: its UNTIL 2025-01-01T00:00:00Z has passed',
    ]);
  });
});
