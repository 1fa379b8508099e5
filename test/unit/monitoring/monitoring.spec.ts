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
import { backupAgesHours, newestCommittedByDevice } from '../../../lambdas/monitoring/freshness';
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
  it('counts successes and failures per device and fleet-wide; LastBackupFailed only per device', () => {
    const ok = metricsFor(runnerEventFor('backup', change({}), { transferSeconds: 50 })!);
    expect(ok.fleet.map((p) => p.name)).toEqual(['BackupsSucceeded', 'BackupDurationSeconds', 'BackupBytes', 'TransferMegabytesPerSecond']);
    expect(ok.device).toContainEqual({ name: 'LastBackupFailed', unit: 'Count', value: 0 });
    const failed = metricsFor(runnerEventFor('backup', change({ status: 'FAILED', error: 'X', cause: 'y' }))!);
    expect(failed.fleet).toContainEqual({ name: 'BackupsFailed', unit: 'Count', value: 1 });
    expect(failed.fleet.find((p) => p.name === 'LastBackupFailed')).toBeUndefined();
    expect(failed.device).toContainEqual({ name: 'LastBackupFailed', unit: 'Count', value: 1 });
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

describe('freshness', () => {
  const keys = [
    'backups/a/2026/11/20/20261120T020000Z-r1.tar.gz',
    'backups/a/2026/11/20/20261120T020000Z-r1.tar.gz.manifest.json',
    'backups/a/2026/11/21/20261121T020000Z-r2.tar.gz', // never committed
    'backups/b/2026/11/21/20261121T020000Z-r3.tar.gz.manifest.json', // manifest without object
    '_backup-runner/dispatcher-state.json',
  ];

  it('takes the newest backup with both object and manifest, per device, from the keys alone', () => {
    const newest = newestCommittedByDevice(keys, 'backups/');
    expect([...newest]).toEqual([['a', new Date('2026-11-20T02:00:00Z')]]);
    expect(backupAgesHours(['a', 'b'], newest, new Date('2026-11-21T14:00:00Z'))).toEqual(new Map([['a', 36], ['b', null]]));
  });

  it('publishes an age per scheduled device that has a backup and a heartbeat', async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).resolvesOnce({ Contents: keys.slice(0, 2).map((Key) => ({ Key })), IsTruncated: true, NextContinuationToken: 't' }).resolvesOnce({ Contents: keys.slice(2).map((Key) => ({ Key })) });
    const config = parseConfig({
      archive: { prefix: 'backups/' },
      devices: ['a', 'b', 'c'].map((id) => ({ id, type: 'riverbed-npm-v1', url: `https://${id}.example.net`, secret: id, ...(id !== 'c' ? { schedule: { rrule: 'FREQ=DAILY' } } : {}) })),
    });
    const metrics = new CapturingSink();
    const outcome = await checkFreshness({ config, archive: { bucket: 'b', s3: new S3Client({}) }, metrics, log: silentLog, now: () => new Date('2026-11-21T14:00:00Z') });
    expect(outcome).toEqual({ checked: 2, neverBackedUp: ['b'], ages: { a: 36, b: null } });
    expect(metrics.published).toEqual([
      { points: [{ name: 'NewestBackupAgeHours', unit: 'None', value: 36 }], deviceId: 'a' },
      { points: [{ name: 'FreshnessDevicesChecked', unit: 'Count', value: 2 }] },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input).toMatchObject({ Prefix: 'backups/', ContinuationToken: 't' });
    s3.restore();
  });
});

describe('reportExecution', () => {
  const eb = mockClient(EventBridgeClient);
  const sfn = mockClient(SFNClient);
  afterEach(() => {
    eb.reset();
    sfn.reset();
  });

  const deps = (metrics: MetricSink) => ({
    backupStateMachineArn: BACKUP_SM,
    restoreStateMachineArn: RESTORE_SM,
    metrics,
    events: eventBridgeRunnerEventSink(new EventBridgeClient({})),
    executions: sfnExecutionLookup(new SFNClient({})),
    log: silentLog,
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
      sink.publish([{ name: 'LastBackupFailed', unit: 'Count', value: 0 }], 'ar11-lab');
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
