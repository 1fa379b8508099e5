import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import { eventBridgeRunnerEventSink, powertoolsMetricSink, sfnExecutionLookup } from '../../../lambdas/monitoring/aws-sinks';
import { checkFreshness } from '../../../lambdas/monitoring/check-freshness';
import { readableCause, runnerEventFor, type ExecutionStatusChange } from '../../../lambdas/monitoring/execution-outcome';
import { newestCommittedByDevice } from '../../../lambdas/monitoring/freshness';
import { memoryHealthStore } from '../../../lambdas/monitoring/memory-health-store';
import type { FleetNotice, RunnerEvent } from '../../../lambdas/monitoring/events';
import { buildFleetIndex } from '../../../lambdas/fleet/fleet-index';
import { metricsFor, type MetricPoint } from '../../../lambdas/monitoring/metric-plan';
import type { MetricSink } from '../../../lambdas/monitoring/ports';
import { reportExecution } from '../../../lambdas/monitoring/report-execution';
import { scheduleIntervalMs } from '../../../lambdas/monitoring/schedule-interval';
import { transferSecondsFrom } from '../../../lambdas/monitoring/transfer-time';
import { parseSchedule } from '../../../lambdas/schedule';

const BACKUP_SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Backup';
const RESTORE_SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Restore';
const start = Date.parse('2026-11-22T02:00:00Z');

function change(over: Partial<ExecutionStatusChange>): ExecutionStatusChange {
  return {
    executionArn: `${BACKUP_SM.replace('stateMachine', 'execution')}:ar11-lab-20261122T0200Z`,
    stateMachineArn: BACKUP_SM,
    name: 'ar11-lab-20261122T0200Z',
    status: 'SUCCEEDED',
    startDate: start,
    stopDate: start + 600_000,
    input: JSON.stringify({ deviceId: 'ar11-lab', occurrence: '2026-11-22T02:00:00Z', trigger: 'schedule' }),
    output: JSON.stringify({ deviceId: 'ar11-lab', archive: { key: 'backups/ar11-lab/k.tar.gz', size: 500_000_000, sha256: 'ab'.repeat(32) } }),
    ...over,
  };
}

class CapturingSink implements MetricSink {
  readonly published: { points: MetricPoint[]; deviceId?: string }[] = [];
  publish(points: readonly MetricPoint[], deviceId?: string) {
    this.published.push({ points: [...points], ...(deviceId ? { deviceId } : {}) });
  }
}

describe('runnerEventFor', () => {
  it('turns a succeeded backup into Backup Succeeded with size, duration and MB/s over the transfer time', () => {
    const event = runnerEventFor('backup', change({}), { transferSeconds: 100 });
    expect(event).toEqual({
      detailType: 'Backup Succeeded',
      detail: expect.objectContaining({
        deviceId: 'ar11-lab',
        status: 'SUCCEEDED',
        occurrence: '2026-11-22T02:00:00Z',
        trigger: 'schedule',
        key: 'backups/ar11-lab/k.tar.gz',
        size: 500_000_000,
        durationSeconds: 600,
        transferSeconds: 100,
        megabytesPerSecond: 5,
        warnings: [],
      }),
    });
  });

  it.each([
    ['FAILED', 'DeviceUnreachable', JSON.stringify({ errorType: 'DeviceUnreachable', errorMessage: 'ar11-lab: connection refused', trace: ['at x'] }), 'ar11-lab: connection refused'],
    ['TIMED_OUT', null, null, 'the execution ended TIMED_OUT'],
    ['ABORTED', null, null, 'the execution ended ABORTED'],
  ])('turns %s into Backup Failed with a readable error and cause', (status, error, cause, readable) => {
    const event = runnerEventFor('backup', change({ status, error, cause, output: null }));
    expect(event?.detailType).toBe('Backup Failed');
    expect(event?.detail).toMatchObject({ deviceId: 'ar11-lab', status, cause: readable, error: error ?? (status === 'TIMED_OUT' ? 'States.Timeout' : 'States.Aborted') });
    expect(JSON.stringify(event)).not.toContain('trace');
  });

  it('reports restores, a dry run as such, and ignores non-terminal statuses', () => {
    const restore = change({
      stateMachineArn: RESTORE_SM,
      input: JSON.stringify({ deviceId: 'ar11-lab', targetDeviceId: 'ar11-standby', selector: { latest: true } }),
      output: JSON.stringify({ backup: { key: 'backups/ar11-lab/k.tar.gz' }, dryRun: false, outcome: { withErrors: true, recoveryMs: 372000 } }),
    });
    expect(runnerEventFor('restore', restore)).toMatchObject({
      detailType: 'Restore Succeeded',
      detail: { deviceId: 'ar11-lab', targetDeviceId: 'ar11-standby', key: 'backups/ar11-lab/k.tar.gz', withErrors: true, recoveryMs: 372000, dryRun: false },
    });
    expect(runnerEventFor('restore', { ...restore, status: 'FAILED', output: null, error: 'RestoreRefused', cause: 'ar11-standby: other version' })).toMatchObject({
      detailType: 'Restore Failed',
      detail: { error: 'RestoreRefused', cause: 'ar11-standby: other version', key: null },
    });
    expect(runnerEventFor('backup', change({ status: 'RUNNING' }))).toBeUndefined();
  });

  it('carries cleanup and prune failures as warnings of a successful backup', () => {
    const output = JSON.stringify({ archive: { key: 'k', size: 1, sha256: 'x' }, pruneError: { Error: 'ArchiveError', Cause: JSON.stringify({ errorMessage: 'ar11-lab: list refused' }) } });
    expect(runnerEventFor('backup', change({ output }))?.detail).toMatchObject({ warnings: ['pruneError: ArchiveError: ar11-lab: list refused'], megabytesPerSecond: null });
    expect(readableCause('plain text')).toBe('plain text');
  });
});

describe('metricsFor', () => {
  it('counts successes and failures per device and fleet-wide', () => {
    const ok = metricsFor(runnerEventFor('backup', change({}), { transferSeconds: 50 })!);
    expect(ok.fleet.map((p) => p.name)).toEqual(['BackupsSucceeded', 'BackupDurationSeconds', 'BackupBytes', 'TransferMegabytesPerSecond']);
    expect(ok.device).toEqual(ok.fleet);
    const failed = metricsFor(runnerEventFor('backup', change({ status: 'FAILED', error: 'X', cause: 'y' }))!);
    expect(failed.fleet).toContainEqual({ name: 'BackupsFailed', unit: 'Count', value: 1 });
    expect(failed.device).toEqual(failed.fleet);
  });
});

describe('scheduleIntervalMs', () => {
  const from = new Date('2026-03-01T00:00:00Z');
  it.each([
    ['FREQ=DAILY;BYHOUR=2', 'UTC', 24],
    ['FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=2', 'UTC', 72],
    // The autumn DST change makes one day 25 hours long: a backup that day is not late.
    ['FREQ=DAILY;BYHOUR=2', 'Europe/Budapest', 25],
    ['FREQ=HOURLY;INTERVAL=6', 'UTC', 6],
  ])('%s in %s: longest gap %i h', (rrule, tz, hours) => {
    expect(scheduleIntervalMs(parseSchedule(rrule, tz), from)).toBe(hours * 3_600_000);
  });

  it('is undefined for a one-time rule', () => {
    expect(scheduleIntervalMs(parseSchedule('DTSTART:20260401T020000Z\nRRULE:FREQ=DAILY;COUNT=1'), from)).toBeUndefined();
  });
});

class CapturingEvents {
  readonly published: (RunnerEvent | FleetNotice)[] = [];
  async publish(event: RunnerEvent | FleetNotice) {
    this.published.push(event);
  }
}

describe('fleet health check', () => {
  const keys = [
    'backups/a/2026/11/20/20261120T020000Z-r1.tar.gz',
    'backups/a/2026/11/20/20261120T020000Z-r1.tar.gz.manifest.json',
    'backups/a/2026/11/21/20261121T020000Z-r2.tar.gz', // never committed
    'backups/b/2026/11/21/20261121T020000Z-r3.tar.gz.manifest.json', // manifest without object
    'backups/d/2026/11/21/20261121T020000Z-r4.tar.gz',
    'backups/d/2026/11/21/20261121T020000Z-r4.tar.gz.manifest.json',
    '_backup-runner/dispatcher-state.json',
  ];
  const HOUR = 3_600_000;

  it('takes the newest backup with both object and manifest, per device, from the keys alone', () => {
    const newest = newestCommittedByDevice(keys, 'backups/');
    expect([...newest]).toEqual([
      ['a', new Date('2026-11-20T02:00:00Z')],
      ['d', new Date('2026-11-21T02:00:00Z')],
    ]);
  });

  function fleet() {
    return buildFleetIndex(
      parseConfig({
        archive: { prefix: 'backups/' },
        devices: ['a', 'b', 'c', 'd'].map((id) => ({ id, type: 'riverbed-npm-v1', url: `https://${id}.example.net`, secret: `backup-runner/${id}`, ...(id !== 'c' ? { schedule: { rrule: 'FREQ=DAILY' } } : {}) })),
      }).devices,
    );
  }

  async function check(at: string, health = memoryHealthStore()) {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).resolvesOnce({ Contents: keys.slice(0, 3).map((Key) => ({ Key })), IsTruncated: true, NextContinuationToken: 't' }).resolvesOnce({ Contents: keys.slice(3).map((Key) => ({ Key })) });
    const metrics = new CapturingSink();
    const events = new CapturingEvents();
    try {
      const outcome = await checkFreshness(
        { fleet: fleet(), prefix: 'backups/', archive: { bucket: 'b', s3: new S3Client({}) }, health, metrics, events, log: silentLog },
        { at: new Date(at), everyMs: HOUR },
      );
      expect(s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input).toMatchObject({ Prefix: 'backups/', ContinuationToken: 't' });
      return { outcome, metrics, events };
    } finally {
      s3.restore();
    }
  }

  it('publishes each scheduled device\'s age, the stale and failing counts and a heartbeat', async () => {
    const { outcome, metrics, events } = await check('2026-11-21T14:00:00Z');
    // Daily at 00:00 UTC: stale after 36 h. "a" is 36 h old: not yet.
    expect(outcome).toMatchObject({ checked: 3, neverBackedUp: ['b'], ages: { a: 36, b: null, d: 12 }, stale: [], failing: [] });
    expect(metrics.published).toEqual([
      { points: [{ name: 'NewestBackupAgeHours', unit: 'None', value: 36 }], deviceId: 'a' },
      { points: [{ name: 'NewestBackupAgeHours', unit: 'None', value: 12 }], deviceId: 'd' },
      {
        points: [
          { name: 'FreshnessDevicesChecked', unit: 'Count', value: 3 },
          { name: 'StaleDevices', unit: 'Count', value: 0 },
          { name: 'FailingDevices', unit: 'Count', value: 0 },
        ],
      },
    ]);
    expect(events.published).toEqual([]);
  });

  it('names a device once, in the window it went stale in, and keeps counting it after', async () => {
    // 36.5 h old at 14:30: crossed 36 h in (13:30, 14:30].
    const first = await check('2026-11-21T14:30:00Z');
    expect(first.outcome).toMatchObject({ stale: ['a'], newlyStale: ['a'] });
    expect(first.events.published).toEqual([
      {
        detailType: 'Backups Stale',
        detail: {
          windowStart: '2026-11-21T13:30:00.000Z',
          checkedAt: '2026-11-21T14:30:00.000Z',
          staleCount: 1,
          newlyStaleCount: 1,
          newlyStale: [{ deviceId: 'a', newestBackup: '2026-11-20T02:00:00.000Z', ageHours: 36.5, thresholdHours: 36 }],
        },
      },
    ]);
    const next = await check('2026-11-21T15:30:00Z');
    expect(next.outcome).toMatchObject({ stale: ['a'], newlyStale: [] });
    expect(next.metrics.published.at(-1)!.points).toContainEqual({ name: 'StaleDevices', unit: 'Count', value: 1 });
    expect(next.events.published).toEqual([]);
  });

  it('counts failing devices of the fleet and names those that started failing in the window once', async () => {
    const health = memoryHealthStore();
    const failed = (deviceId: string, stoppedAt: string) => ({ deviceId, executionName: `${deviceId}-x`, stoppedAt, failed: true, error: 'DeviceUnreachable', cause: `${deviceId}: refused` });
    await health.record(failed('a', '2026-11-21T13:10:00Z'), new Date('2026-11-21T13:11:00Z'));
    await health.record(failed('d', '2026-11-21T11:00:00Z'), new Date('2026-11-21T11:01:00Z'));
    // No longer in the fleet: not counted.
    await health.record(failed('gone', '2026-11-21T13:20:00Z'), new Date('2026-11-21T13:21:00Z'));
    const { outcome, metrics, events } = await check('2026-11-21T14:00:00Z', health);
    expect(outcome).toMatchObject({ failing: ['a', 'd'], newlyFailing: ['a'] });
    expect(metrics.published.at(-1)!.points).toContainEqual({ name: 'FailingDevices', unit: 'Count', value: 2 });
    expect(events.published).toEqual([
      {
        detailType: 'Backups Failing',
        detail: {
          windowStart: '2026-11-21T13:00:00.000Z',
          checkedAt: '2026-11-21T14:00:00.000Z',
          failingCount: 2,
          newlyFailingCount: 1,
          newlyFailing: [{ deviceId: 'a', since: '2026-11-21T13:10:00Z', executionName: 'a-x', error: 'DeviceUnreachable', cause: 'a: refused' }],
        },
      },
    ]);
  });
});

describe('device health records', () => {
  const outcome = (stoppedAt: string, failed: boolean) => ({ deviceId: 'a', executionName: `a-${stoppedAt}`, stoppedAt, failed, ...(failed ? { error: 'E', cause: 'c' } : {}) });
  const now = new Date('2026-11-21T00:00:00Z');

  it('reports the transitions, keeps the first failure of a streak, and ignores an older outcome', async () => {
    const health = memoryHealthStore();
    expect(await health.record(outcome('2026-11-20T01:00:00Z', false), now)).toBe('still-ok');
    expect(await health.record(outcome('2026-11-20T02:00:00Z', true), now)).toBe('became-failing');
    expect(await health.record(outcome('2026-11-20T03:00:00Z', true), now)).toBe('still-failing');
    expect((await health.failing())[0]).toMatchObject({ since: '2026-11-20T02:00:00Z', executionName: 'a-2026-11-20T02:00:00Z' });
    // The same event twice, or one that arrives after a later one, changes nothing.
    expect(await health.record(outcome('2026-11-20T03:00:00Z', true), now)).toBe('stale-outcome');
    expect(await health.record(outcome('2026-11-20T01:30:00Z', false), now)).toBe('stale-outcome');
    expect(await health.record(outcome('2026-11-20T04:00:00Z', false), now)).toBe('recovered');
    expect(await health.failing()).toEqual([]);
  });
});

describe('reportExecution', () => {
  const eb = mockClient(EventBridgeClient);
  const sfn = mockClient(SFNClient);
  afterEach(() => {
    eb.reset();
    sfn.reset();
  });

  const deps = (metrics: MetricSink, health = memoryHealthStore()) => ({
    backupStateMachineArn: BACKUP_SM,
    restoreStateMachineArn: RESTORE_SM,
    metrics,
    events: eventBridgeRunnerEventSink(new EventBridgeClient({})),
    executions: sfnExecutionLookup(new SFNClient({})),
    health,
    log: silentLog,
    now: () => new Date(start + 3_600_000),
  });

  it('reads the transfer time from the history, puts the event and publishes fleet and device metrics', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    const t = (s: number) => new Date(start + s * 1000);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'TaskStateEntered', timestamp: t(500), stateEnteredEventDetails: { name: 'TransferToArchive' } },
        { id: 2, type: 'TaskStateExited', timestamp: t(540), stateExitedEventDetails: { name: 'TransferToArchive' } },
        { id: 3, type: 'TaskStateEntered', timestamp: t(540), stateEnteredEventDetails: { name: 'TransferToArchive' } },
        { id: 4, type: 'TaskStateExited', timestamp: t(600), stateExitedEventDetails: { name: 'TransferToArchive' } },
      ],
    });
    const metrics = new CapturingSink();
    const event = await reportExecution(change({}), deps(metrics));
    expect(event?.detail).toMatchObject({ transferSeconds: 100, megabytesPerSecond: 5 });
    const put = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(put).toMatchObject({ Source: 'backup-runner', DetailType: 'Backup Succeeded', EventBusName: 'default' });
    expect(JSON.parse(put.Detail!)).toMatchObject({ deviceId: 'ar11-lab', size: 500_000_000 });
    expect(metrics.published.map((p) => p.deviceId)).toEqual([undefined, 'ar11-lab']);
  });

  it('asks DescribeExecution for the error when the event has none, and still reports when Step Functions refuses', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    sfn.on(DescribeExecutionCommand).resolves({ error: 'AuthenticationFailed', cause: 'ar11-lab: credentials refused' } as never);
    const event = await reportExecution(change({ status: 'FAILED', output: null }), deps(new CapturingSink()));
    expect(event?.detail).toMatchObject({ error: 'AuthenticationFailed', cause: 'ar11-lab: credentials refused' });
    sfn.on(DescribeExecutionCommand).rejects(new Error('ThrottlingException'));
    const fallback = await reportExecution(change({ status: 'FAILED', output: null }), deps(new CapturingSink()));
    expect(fallback?.detail).toMatchObject({ error: 'States.Failed' });
  });

  it('fails (so EventBridge retries, then the DLQ) when EventBridge does not take the event', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    await expect(reportExecution(change({}), deps(new CapturingSink()))).rejects.toThrow(/ar11-lab: EventBridge did not take the "Backup Succeeded" event.*InternalFailure/);
  });

  it('records each backup\'s outcome in the device health before it publishes anything', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const health = memoryHealthStore();
    await reportExecution(change({ status: 'FAILED', output: null, error: 'DeviceUnreachable', cause: 'ar11-lab: refused' }), deps(new CapturingSink(), health));
    expect(await health.failing()).toEqual([
      { deviceId: 'ar11-lab', since: new Date(start + 600_000).toISOString(), recordedAt: new Date(start + 3_600_000).toISOString(), executionName: 'ar11-lab-20261122T0200Z', error: 'DeviceUnreachable', cause: 'ar11-lab: refused' },
    ]);
    const broken = { ...memoryHealthStore(), record: () => Promise.reject(new Error('table unreachable')) };
    await expect(reportExecution(change({}), deps(new CapturingSink(), broken))).rejects.toThrow('table unreachable');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
    await reportExecution(change({ stopDate: start + 7_200_000 }), deps(new CapturingSink(), health));
    expect(await health.failing()).toEqual([]);
  });

  it('ignores other state machines', async () => {
    expect(await reportExecution(change({ stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:Other' }), deps(new CapturingSink()))).toBeUndefined();
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('powertoolsMetricSink', () => {
  it('writes one EMF document per publish in namespace BackupRunner, deviceId only where given', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true));
    try {
      const sink = powertoolsMetricSink(new Metrics({ namespace: 'BackupRunner', serviceName: 'backup-runner' }));
      sink.publish([{ name: 'BackupsSucceeded', unit: 'Count', value: 1 }]);
      sink.publish([{ name: 'BackupsSucceeded', unit: 'Count', value: 1 }], 'ar11-lab');
    } finally {
      spy.mockRestore();
      write.mockRestore();
    }
    const docs = lines.filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }; deviceId?: string });
    expect(docs).toHaveLength(2);
    expect(docs[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'BackupRunner', Dimensions: [['service']] });
    expect(docs[1]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'deviceId']]);
    expect(docs[1]!.deviceId).toBe('ar11-lab');
    expect(transferSecondsFrom([])).toBeNull();
  });
});
