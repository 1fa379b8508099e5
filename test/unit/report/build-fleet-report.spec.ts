import { describe, expect, it } from 'vitest';
import { buildFleetReport } from '../../../lambdas/report/build-fleet-report';
import { DayGrid } from '../../../lambdas/report/day-grid';
import { expectedOccurrence } from '../../../lambdas/report/expected-backup';
import type { DeviceReport, FleetReport } from '../../../lambdas/report/fleet-report';
import type { ArchiveCopy, BackupRunRecord, ReportDevice, ReportInput, RestoreRecord, SkippedRunRecord } from '../../../lambdas/report/report-input';
import { sizeDrops } from '../../../lambdas/report/size-trend';
import { parseSchedule } from '../../../lambdas/schedule';

const NOW = new Date('2026-11-22T09:00:00Z');
const DAILY_2AM = { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' };

function device(id: string, extra: Partial<ReportDevice> = {}): ReportDevice {
  return { id, type: 'riverbed-npm-v1', schedule: DAILY_2AM, ...extra };
}

function copy(deviceId: string, iso: string, size = 1000, storageClass = 'STANDARD'): ArchiveCopy {
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return { deviceId, key: `backups/${deviceId}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${stamp}-r.tar.gz`, time: new Date(iso), size, storageClass };
}

function run(deviceId: string, iso: string, status: BackupRunRecord['status'], extra: Partial<BackupRunRecord> = {}): BackupRunRecord {
  return { deviceId, executionName: `${deviceId}-${iso}`, status, startedAt: new Date(iso), ...extra };
}

function report(parts: Partial<ReportInput>): FleetReport {
  return buildFleetReport({
    now: NOW,
    source: { kind: 'local', archive: 's3://b/backups/', history: 'test' },
    devices: [],
    copies: [],
    runs: [],
    skips: [],
    restores: [],
    ...parts,
  });
}

function only(r: FleetReport, id: string): DeviceReport {
  const found = r.devices.find((d) => d.id === id);
  if (!found) throw new Error(`no device ${id} in the report`);
  return found;
}

describe('device state against its schedule', () => {
  it('on time: a committed backup for the expected occurrence', () => {
    const d = only(report({ devices: [device('ar11')], copies: [copy('ar11', '2026-11-21T02:03:00Z'), copy('ar11', '2026-11-22T02:03:00Z')] }), 'ar11');
    expect(d.state).toBe('on-time');
    expect(d.schedule).toEqual({ rule: DAILY_2AM.rrule, timezone: 'UTC', expected: '2026-11-22T02:00:00Z', next: '2026-11-23T02:00:00Z' });
    expect(d.lastGood).toMatchObject({ time: '2026-11-22T02:03:00Z', ageHours: 7 });
    expect(d.reason).toBe('newest backup 7 h old; covers the 2026-11-22T02:00:00Z occurrence');
    expect(d.lateByHours).toBeNull();
  });

  it('within the grace after an occurrence, the one before is the expected one', () => {
    const d = only(report({ now: new Date('2026-11-22T03:00:00Z'), devices: [device('ar11')], copies: [copy('ar11', '2026-11-21T02:03:00Z')] }), 'ar11');
    expect(d.state).toBe('on-time');
    expect(d.schedule?.expected).toBe('2026-11-21T02:00:00Z');
  });

  it('late: the newest backup is older than the expected occurrence; missed occurrences counted', () => {
    const d = only(report({ devices: [device('ar11')], copies: [copy('ar11', '2026-11-20T02:03:00Z')] }), 'ar11');
    expect(d.state).toBe('late');
    expect(d.lateByHours).toBe(7);
    expect(d.missedOccurrences).toBe(2);
    expect(d.reason).toBe('newest backup 2 d 7 h old; none for the 2026-11-22T02:00:00Z occurrence (2 occurrences without one)');
  });

  it('a manual backup after the expected occurrence counts; one that served it (manifest occurrence) too', () => {
    expect(only(report({ devices: [device('ar11')], copies: [copy('ar11', '2026-11-22T05:00:00Z')] }), 'ar11').state).toBe('on-time');
    const served = { ...copy('ar11', '2026-11-22T01:59:58Z'), occurrence: new Date('2026-11-22T02:00:00Z') };
    expect(only(report({ devices: [device('ar11')], copies: [served] }), 'ar11').state).toBe('on-time');
  });

  it('failing: the latest run failed after the newest committed backup; the reason names the error', () => {
    const d = only(
      report({
        devices: [device('ar11')],
        copies: [copy('ar11', '2026-11-21T02:03:00Z')],
        runs: [
          run('ar11', '2026-11-21T02:00:00Z', 'SUCCEEDED'),
          run('ar11', '2026-11-22T02:00:00Z', 'FAILED', { error: 'DeviceUnreachable', cause: 'ar11: connect ECONNREFUSED 10.0.0.5:443' }),
        ],
      }),
      'ar11',
    );
    expect(d.state).toBe('failing');
    expect(d.reason).toBe('last run failed (2026-11-22T02:00:00Z): DeviceUnreachable: ar11: connect ECONNREFUSED 10.0.0.5:443; newest backup 31 h old');
    expect(d.lastFailure).toMatchObject({ error: 'DeviceUnreachable', status: 'FAILED' });
    expect(d.failuresThisWeek).toBe(1);
  });

  it('a failure followed by a successful manual run is not failing', () => {
    const d = only(
      report({
        devices: [device('ar11')],
        copies: [copy('ar11', '2026-11-22T04:00:00Z')],
        runs: [run('ar11', '2026-11-22T02:00:00Z', 'FAILED', { error: 'DeviceBusy' }), run('ar11', '2026-11-22T04:00:00Z', 'SUCCEEDED')],
      }),
      'ar11',
    );
    expect(d.state).toBe('on-time');
    expect(d.lastFailure?.error).toBe('DeviceBusy');
  });

  it('a running execution does not hide the failure before it', () => {
    const d = only(
      report({
        devices: [device('ar11')],
        copies: [copy('ar11', '2026-11-20T02:03:00Z')],
        runs: [run('ar11', '2026-11-21T02:00:00Z', 'TIMED_OUT'), run('ar11', '2026-11-22T08:55:00Z', 'RUNNING')],
      }),
      'ar11',
    );
    expect(d.state).toBe('failing');
    expect(d.lastRun?.status).toBe('RUNNING');
  });

  it('missing: no committed backup at all, whatever the runs say', () => {
    const d = only(report({ devices: [device('qr')], runs: [run('qr', '2026-11-22T02:00:00Z', 'FAILED', { error: 'AuthenticationFailed' })] }), 'qr');
    expect(d.state).toBe('missing');
    expect(d.reason).toBe('no committed backup in the archive; last run failed (2026-11-22T02:00:00Z): AuthenticationFailed');
    expect(only(report({ devices: [device('qr')] }), 'qr').reason).toBe('no committed backup in the archive; no run on record');
  });

  it('unscheduled: backed up on demand only, never late', () => {
    const d = only(report({ devices: [device('sw', { schedule: undefined })], copies: [copy('sw', '2026-09-01T10:00:00Z')] }), 'sw');
    expect(d.state).toBe('unscheduled');
    expect(d.schedule).toBeNull();
    expect(d.reason).toBe('no schedule (on demand only); newest backup 81 d old');
  });

  it('an unusable schedule is said, not thrown', () => {
    const d = only(report({ devices: [device('x', { schedule: { rrule: 'FREQ=SOMETIMES', timezone: 'UTC' } })], copies: [copy('x', '2026-11-22T02:00:00Z')] }), 'x');
    expect(d.state).toBe('unscheduled');
    expect(d.reason).toMatch(/schedule unusable: .*FREQ/);
  });
});

describe('expected occurrence', () => {
  it('an hourly rule gets at most half its gap as grace', () => {
    const hourly = parseSchedule('FREQ=HOURLY;BYMINUTE=0', 'UTC');
    expect(expectedOccurrence(hourly, new Date('2026-11-22T09:29:00Z'), 6 * 3_600_000)?.toISOString()).toBe('2026-11-22T08:00:00.000Z');
    expect(expectedOccurrence(hourly, new Date('2026-11-22T09:30:00Z'), 6 * 3_600_000)?.toISOString()).toBe('2026-11-22T09:00:00.000Z');
  });

  it('follows the device zone across DST (02:30 Europe/Budapest after the autumn change is 01:30Z)', () => {
    const s = parseSchedule('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Budapest');
    expect(expectedOccurrence(s, new Date('2026-10-26T12:00:00Z'), 6 * 3_600_000)?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(expectedOccurrence(s, new Date('2026-10-24T12:00:00Z'), 6 * 3_600_000)?.toISOString()).toBe('2026-10-24T00:30:00.000Z');
  });
});

describe('calendar strip', () => {
  it('one code per day, oldest first, today last: succeeded, failed, skipped, missed, no run', () => {
    const skip: SkippedRunRecord = { deviceId: 'ar11', occurrence: new Date('2026-11-19T02:00:00Z'), at: new Date('2026-11-19T02:05:00Z'), reason: 'running' };
    const d = only(
      report({
        devices: [device('ar11')],
        copies: [copy('ar11', '2026-11-17T02:03:00Z'), copy('ar11', '2026-11-22T02:03:00Z')],
        runs: [run('ar11', '2026-11-18T02:00:00Z', 'FAILED'), run('ar11', '2026-11-21T02:00:00Z', 'FAILED'), run('ar11', '2026-11-21T06:00:00Z', 'SUCCEEDED')],
        skips: [skip],
      }),
      'ar11',
    );
    expect(d.calendar).toHaveLength(90);
    // ... 16th: before the first record, no "missed"; 17 S, 18 F, 19 K, 20 M, 21 S (a success after a failure), 22 S
    expect(d.calendar.slice(-7)).toBe('.SFKMSS');
    expect(d.calendar.slice(0, 83)).toBe('.'.repeat(83));
  });

  it('days are counted in the report zone', () => {
    const c = copy('ar11', '2026-11-21T20:00:00Z'); // 22 Nov 01:30 in Kolkata
    const utc = only(report({ devices: [device('ar11', { schedule: undefined })], copies: [c] }), 'ar11');
    const kolkata = only(report({ devices: [device('ar11', { schedule: undefined })], copies: [c], options: { timeZone: 'Asia/Kolkata' } }), 'ar11');
    expect(utc.calendar.slice(-2)).toBe('S.');
    expect(kolkata.calendar.slice(-2)).toBe('.S');
  });

  it('the grid finds a zone day boundary at a half-hour offset', () => {
    const grid = new DayGrid(new Date('2026-11-22T09:00:00Z'), 3, 'Asia/Kolkata');
    expect(grid.firstDay).toBe('2026-11-20');
    expect(grid.from.toISOString()).toBe('2026-11-19T18:30:00.000Z');
    expect(grid.indexOf(new Date('2026-11-19T18:29:59Z'))).toBe(-1);
    expect(grid.indexOf(new Date('2026-11-19T18:30:00Z'))).toBe(0);
    expect(grid.indexOf(new Date('2026-11-21T18:30:00Z'))).toBe(2);
  });

  it('a device with no record at all shows no missed days (it may be new)', () => {
    expect(only(report({ devices: [device('new')] }), 'new').calendar).toBe('.'.repeat(90));
  });
});

describe('sizes and storage', () => {
  it('flags a backup far smaller than the median of the ones before it', () => {
    expect(sizeDrops([100, 100, 100, 40])).toEqual([false, false, false, true]);
    expect(sizeDrops([100, 100, 60])).toEqual([false, false, false]); // too few before it to judge
    expect(sizeDrops([100, 100, 100, 51, 100])).toEqual([false, false, false, false, false]);
  });

  it('the newest copy\'s drop is the device\'s; every copy with its storage class; totals per class', () => {
    const copies = [
      copy('ar11', '2026-06-01T02:00:00Z', 1000, 'DEEP_ARCHIVE'),
      copy('ar11', '2026-10-01T02:00:00Z', 1000, 'GLACIER_IR'),
      copy('ar11', '2026-11-19T02:00:00Z', 1100, 'STANDARD'),
      copy('ar11', '2026-11-20T02:00:00Z', 900, 'STANDARD'),
      copy('ar11', '2026-11-22T02:00:00Z', 100, 'STANDARD'),
    ];
    const d = only(report({ devices: [device('ar11')], copies }), 'ar11');
    expect(d.sizeDrop).toEqual({ size: 100, typical: 1000 });
    expect(d.sizes.map((s) => [s.time.slice(0, 10), s.drop])).toEqual([
      ['2026-10-01', false],
      ['2026-11-19', false],
      ['2026-11-20', false],
      ['2026-11-22', true],
    ]);
    expect(d.copies.map((c) => c.storageClass)).toEqual(['STANDARD', 'STANDARD', 'STANDARD', 'GLACIER_IR', 'DEEP_ARCHIVE']);
    expect(d.storage).toEqual({ STANDARD: { copies: 3, bytes: 2100 }, GLACIER_IR: { copies: 1, bytes: 1000 }, DEEP_ARCHIVE: { copies: 1, bytes: 1000 } });
    expect(d.bytes).toBe(4100);
  });
});

describe('restores', () => {
  it('the newest finished restore of the device\'s backups, with its recovery time', () => {
    const restore = (iso: string, status: RestoreRecord['status'], extra: Partial<RestoreRecord> = {}): RestoreRecord => ({
      deviceId: 'ar11',
      targetDeviceId: 'ar11-standby',
      executionName: `ar11-standby-restore-${iso}`,
      status,
      startedAt: new Date(iso),
      ...extra,
    });
    const d = only(
      report({
        devices: [device('ar11')],
        copies: [copy('ar11', '2026-11-22T02:03:00Z')],
        restores: [restore('2026-11-01T10:00:00Z', 'FAILED', { error: 'RestoreFailed' }), restore('2026-11-15T10:00:00Z', 'SUCCEEDED', { recoveryMs: 312_000, drill: true }), restore('2026-11-22T08:00:00Z', 'RUNNING')],
      }),
      'ar11',
    );
    expect(d.lastRestore).toMatchObject({ status: 'SUCCEEDED', target: 'ar11-standby', recoveryMs: 312_000, drill: true, startedAt: '2026-11-15T10:00:00Z' });
  });
});

describe('the fleet', () => {
  const fleet = report({
    devices: [device('a-ok'), device('b-late'), device('c-failing'), device('d-missing'), device('e-manual', { schedule: undefined, type: 'storware' })],
    copies: [
      copy('a-ok', '2026-11-22T02:03:00Z', 2000),
      copy('b-late', '2026-11-19T02:03:00Z', 3000, 'GLACIER_IR'),
      copy('c-failing', '2026-11-21T02:03:00Z'),
      copy('e-manual', '2026-11-01T02:03:00Z'),
      copy('gone', '2026-08-01T02:00:00Z', 500, 'DEEP_ARCHIVE'),
    ],
    runs: [
      run('c-failing', '2026-11-22T02:00:00Z', 'FAILED'),
      run('c-failing', '2026-11-20T02:00:00Z', 'FAILED'),
      run('d-missing', '2026-11-10T02:00:00Z', 'FAILED'),
      run('nobody', '2026-11-22T02:00:00Z', 'FAILED'),
    ],
  });

  it('worst state first, then by id; devices only in the archive are reported, not configured', () => {
    expect(fleet.devices.map((d) => [d.id, d.state])).toEqual([
      ['d-missing', 'missing'],
      ['c-failing', 'failing'],
      ['b-late', 'late'],
      ['a-ok', 'on-time'],
      ['e-manual', 'unscheduled'],
      ['gone', 'unscheduled'],
    ]);
    expect(only(fleet, 'gone')).toMatchObject({ inConfig: false, type: 'unknown' });
    expect(only(fleet, 'gone').reason).toContain('no longer in the config');
  });

  it('summary: states, bytes, failures this week (runs and devices), storage per class, types', () => {
    expect(fleet.summary).toMatchObject({
      devices: 6,
      states: { missing: 1, failing: 1, late: 1, 'on-time': 1, unscheduled: 2 },
      bytesArchived: 2000 + 3000 + 1000 + 1000 + 500,
      copies: 5,
      failuresThisWeek: { runs: 2, devices: 1 },
      types: ['riverbed-npm-v1', 'storware', 'unknown'],
    });
    expect(fleet.summary.storage).toEqual({ STANDARD: { copies: 3, bytes: 4000 }, GLACIER_IR: { copies: 1, bytes: 3000 }, DEEP_ARCHIVE: { copies: 1, bytes: 500 } });
  });

  it('history of a device neither configured nor archived is left out and said so', () => {
    expect(fleet.devices.some((d) => d.id === 'nobody')).toBe(false);
    expect(fleet.notes.join('\n')).toContain('History of 1 device(s) that are neither configured nor in the archive is left out: nobody.');
  });

  it('the window: 90 days in the report zone ending today', () => {
    expect(fleet.window).toEqual({ days: 90, timeZone: 'UTC', from: '2026-08-25T00:00:00Z', to: '2026-11-22T09:00:00Z', firstDay: '2026-08-25' });
  });

  it('is JSON: what --json prints parses back to the same document', () => {
    expect(JSON.parse(JSON.stringify(fleet))).toEqual(fleet);
  });
});
