import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load';
import { backupNowCommand } from '../../../cli/deployed/backup-now';
import { currentState } from '../../../cli/deployed/execution-progress';
import { stackListCommand } from '../../../cli/deployed/stack-list';
import { stackRestoreCommand } from '../../../cli/deployed/stack-restore';
import { describeDeployedStack, executionArn, stackClients } from '../../../cli/deployed/stack-target';
import { deviceOfExecution, deviceStatuses, statusCommand } from '../../../cli/deployed/status';
import { main } from '../../../cli/main';

const BACKUP_SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:BackupWorkflowStateMachine-abc';
const RESTORE_SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:RestoreWorkflowStateMachine-def';
const NOW = new Date('2026-11-22T08:15:00.000Z');

const cf = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
afterEach(() => {
  cf.reset();
  sfn.reset();
  s3.reset();
});
/** No backup running unless a test says so (backup-now lists the running executions first). */
const nothingRunning = () => sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({ executions: [] });

function outputs(extra: Record<string, string> = {}) {
  const all = { ArchiveBucketName: 'acme-backups', ArchivePrefix: 'backups/', BackupStateMachineArn: BACKUP_SM, RestoreStateMachineArn: RESTORE_SM, ...extra };
  cf.on(DescribeStacksCommand, { StackName: 'BackupRunner' }).resolves({
    Stacks: [{ StackName: 'BackupRunner', StackStatus: 'UPDATE_COMPLETE', CreationTime: NOW, Outputs: Object.entries(all).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });
}

function io(tty = false) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: tty });
  let outText = '';
  let errText = '';
  out.on('data', (c) => (outText += String(c)));
  err.on('data', (c) => (errText += String(c)));
  return {
    io: { out, err, clients: stackClients({ region: 'eu-west-1' }), now: () => NOW, wait: { intervalMs: 1, sleep: async () => undefined } },
    text: () => ({ out: outText, err: errText }),
  };
}

function history(state: string): { events: HistoryEvent[] } {
  return { events: [{ id: 9, type: 'TaskStateEntered', timestamp: NOW, stateEnteredEventDetails: { name: state } }] };
}

describe('stack target', () => {
  it('finds the state machines, bucket and prefix from the stack outputs', async () => {
    outputs();
    expect(await describeDeployedStack(new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({
      stackName: 'BackupRunner',
      bucket: 'acme-backups',
      prefix: 'backups/',
      backupStateMachineArn: BACKUP_SM,
      restoreStateMachineArn: RESTORE_SM,
    });
    expect(executionArn(BACKUP_SM, 'x-1')).toBe('arn:aws:states:eu-west-1:111122223333:execution:BackupWorkflowStateMachine-abc:x-1');
  });

  it('says which output is missing, and what to check when the stack cannot be read', async () => {
    cf.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'BackupRunner', StackStatus: 'CREATE_COMPLETE', CreationTime: NOW, Outputs: [] }] });
    await expect(describeDeployedStack(new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(/no output ArchiveBucketName/);
    cf.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(describeDeployedStack(new CloudFormationClient({ region: 'eu-west-1' }), 'Nope')).rejects.toThrow(/cannot read the stack "Nope".*--profile and --region/);
  });

  it('exits 2 with the message through the CLI when the stack is missing', async () => {
    cf.on(DescribeStacksCommand).rejects(new Error('no such stack'));
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['stack', 'list', '--region', 'eu-west-1', '--stack', 'Gone'])).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(writes.join('')).toMatch(/cannot read the stack "Gone"/);
  });
});

describe('backup-now', () => {
  beforeEach(() => {
    nothingRunning();
  });

  it.each([
    ['a scheduled execution', 'ar11-lab-20261122T0200Z', undefined],
    ['a manual execution', 'ar11-lab-manual-20261122T081000Z', undefined],
    ['an execution named otherwise, whose input names the device', 'operator-start-1', JSON.stringify({ deviceId: 'ar11-lab' })],
  ])('refuses a second backup of a device while %s of it runs, naming that execution', async (_what, running, input) => {
    outputs();
    sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [
        { executionArn: `${BACKUP_SM.replace(':stateMachine:', ':execution:')}:${running}`, stateMachineArn: BACKUP_SM, name: running, status: 'RUNNING', startDate: NOW },
        { executionArn: `${BACKUP_SM.replace(':stateMachine:', ':execution:')}:ar11-lab-2-20261122T0200Z`, stateMachineArn: BACKUP_SM, name: 'ar11-lab-2-20261122T0200Z', status: 'RUNNING', startDate: NOW },
      ],
    });
    if (input) sfn.on(DescribeExecutionCommand).resolves({ input } as never);
    const { io: streams, text } = io();
    expect(await backupNowCommand({ device: 'ar11-lab', json: true }, streams)).toBe(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(text().err).toBe(`backup-runner backup-now: ar11-lab is being backed up now by execution ${running}; not starting a second backup, which would collide with it on the device\n`);
    expect(JSON.parse(text().out)).toEqual({ device: 'ar11-lab', status: 'REFUSED', runningExecution: running });
  });

  it('starts a backup of a device while another device\'s runs', async () => {
    outputs();
    sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [{ executionArn: 'a', stateMachineArn: BACKUP_SM, name: 'ar11-lab-2-20261122T0200Z', status: 'RUNNING', startDate: NOW }],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    expect(await backupNowCommand({ device: 'ar11-lab' }, io().io)).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('starts a manual execution with the contract input and prints its name', async () => {
    outputs();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    const { io: streams, text } = io();
    expect(await backupNowCommand({ device: 'ar11-lab' }, streams)).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: BACKUP_SM,
      name: 'ar11-lab-manual-20261122T081500Z',
      input: JSON.stringify({ deviceId: 'ar11-lab', occurrence: null, trigger: 'manual' }),
    });
    expect(text().out).toContain('STARTED ar11-lab-manual-20261122T081500Z');
  });

  it('--wait follows the states on stderr and reports the archived object; exit 0', async () => {
    outputs();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    sfn.on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', startDate: NOW } as never)
      .resolvesOnce({ status: 'RUNNING', startDate: NOW } as never)
      .resolves({ status: 'SUCCEEDED', startDate: NOW, stopDate: new Date(NOW.getTime() + 95_000), output: JSON.stringify({ archive: { key: 'backups/ar11-lab/k.tar.gz', size: 2048, sha256: 'ab12' } }) } as never);
    sfn.on(GetExecutionHistoryCommand).resolvesOnce(history('PollBackup')).resolvesOnce(history('TransferToArchive')).resolves(history('BackupSucceeded'));
    const { io: streams, text } = io();
    expect(await backupNowCommand({ device: 'ar11-lab', wait: true }, streams)).toBe(0);
    expect(text().err.split('\n').filter(Boolean)).toEqual([
      'ar11-lab-manual-20261122T081500Z  RUNNING  0 s  PollBackup',
      'ar11-lab-manual-20261122T081500Z  RUNNING  0 s  TransferToArchive',
      'ar11-lab-manual-20261122T081500Z  SUCCEEDED  1 min 35 s  BackupSucceeded',
    ]);
    expect(text().out).toMatch(/^SUCCEEDED ar11-lab: backups\/ar11-lab\/k\.tar\.gz \(2\.0 KiB, SHA-256 ab12\)/);
  });

  it('--wait --json on a failed backup: the typed error and the readable message; exit 1', async () => {
    outputs();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', startDate: NOW, stopDate: NOW, error: 'AuthenticationFailed', cause: JSON.stringify({ errorType: 'AuthenticationFailed', errorMessage: 'ar11-lab: credentials refused' }) } as never);
    sfn.on(GetExecutionHistoryCommand).resolves(history('BackupFailed'));
    const { io: streams, text } = io(true);
    expect(await backupNowCommand({ device: 'ar11-lab', wait: true, json: true }, streams)).toBe(1);
    expect(JSON.parse(text().out)).toEqual({ device: 'ar11-lab', status: 'FAILED', executionName: 'ar11-lab-manual-20261122T081500Z', key: null, size: null, sha256: null, error: 'AuthenticationFailed', message: 'ar11-lab: credentials refused' });
    // On a terminal the progress line is rewritten in place.
    expect(text().err).toMatch(/^\r\x1b\[2K.*BackupFailed\n$/);
  });

  it('refuses a malformed device id before calling AWS', async () => {
    await expect(backupNowCommand({ device: 'AR11 lab' }, io().io)).rejects.toThrow(/not a device id/);
    expect(cf.calls()).toHaveLength(0);
  });
});

describe('status', () => {
  const config = parseConfig({
    archive: { prefix: 'backups/' },
    devices: [
      { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'UTC' } },
      { id: 'ar11-b', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 'backup-runner/b', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'UTC' } },
      { id: 'fg', type: 'riverbed-npm-v1', url: 'https://c.example.net', secret: 'backup-runner/c' },
    ],
  });

  it('matches executions to the longest device id they start with', () => {
    expect(deviceOfExecution('ar11-b-20261122T0200Z', ['ar11', 'ar11-b'])).toBe('ar11-b');
    expect(deviceOfExecution('ar11-manual-20261122T081500Z', ['ar11', 'ar11-b'])).toBe('ar11');
    expect(currentState([{ id: 3, type: 'TaskStateExited', timestamp: NOW }, { id: 2, type: 'WaitStateEntered', timestamp: NOW, stateEnteredEventDetails: { name: 'WaitForDevice' } }])).toBe('WaitForDevice');
  });

  it('per device: last run, newest backup age, stale against 1.5x the interval, next occurrence', () => {
    const executions = [
      { executionArn: 'a1', stateMachineArn: BACKUP_SM, name: 'ar11-20261121T0200Z', status: 'SUCCEEDED' as const, startDate: new Date('2026-11-21T02:00:00Z') },
      { executionArn: 'a2', stateMachineArn: BACKUP_SM, name: 'ar11-20261122T0200Z', status: 'FAILED' as const, startDate: new Date('2026-11-22T02:00:00Z') },
      { executionArn: 'b1', stateMachineArn: BACKUP_SM, name: 'ar11-b-20261122T0200Z', status: 'SUCCEEDED' as const, startDate: new Date('2026-11-22T02:00:00Z') },
    ];
    const newest = new Map([
      ['ar11', { time: new Date('2026-11-20T02:00:00Z'), key: 'k1' }],
      ['ar11-b', { time: new Date('2026-11-22T02:00:00Z'), key: 'k2' }],
    ]);
    const [ar11, b, fg] = deviceStatuses(config, executions, newest, NOW);
    expect(ar11).toMatchObject({ lastRun: { status: 'FAILED', name: 'ar11-20261122T0200Z' }, newestBackup: { ageHours: 54.3 }, staleAfterHours: 36, stale: true, nextOccurrence: '2026-11-23T02:00:00.000Z' });
    expect(b).toMatchObject({ lastRun: { status: 'SUCCEEDED' }, newestBackup: { ageHours: 6.3 }, stale: false });
    expect(fg).toMatchObject({ lastRun: null, newestBackup: null, staleAfterHours: null, stale: false, nextOccurrence: null });
  });

  it('reads executions and the catalog of the stack bucket; table for people, exit 1 on a failed last run', async () => {
    outputs();
    const dir = mkdtempSync(join(tmpdir(), 'status-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ archive: { prefix: 'backups/' }, devices: [{ id: 'ar11', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2' } }] }));
    sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: 'a2', stateMachineArn: BACKUP_SM, name: 'ar11-20261122T0200Z', status: 'FAILED', startDate: new Date('2026-11-22T02:00:00Z') }] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const { io: streams, text } = io();
    expect(await statusCommand({ config: file }, streams)).toBe(1);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: 'acme-backups', Prefix: 'backups/' });
    expect(text().out).toMatch(/DEVICE\s+LAST RUN\s+RESULT\s+NEWEST BACKUP\s+AGE\s+NEXT/);
    expect(text().out).toMatch(/ar11\s+2026-11-22T02:00:00Z\s+FAILED\s+none\s+2026-11-23T02:00:00Z/);
  });
});

describe('stack list and stack restore', () => {
  it('lists the deployed bucket under the output prefix, JSON lines for scripts', async () => {
    outputs();
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const { io: streams, text } = io();
    expect(await stackListCommand({ device: 'ar11', json: true }, streams)).toBe(0);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: 'acme-backups', Prefix: 'backups/ar11/' });
    expect(text().out).toBe('');
  });

  it('without --confirm starts a dry run, shows the plan and exits 3', async () => {
    outputs();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: NOW, stopDate: NOW, output: JSON.stringify({ backup: { key: 'backups/ar11/k.tar.gz' }, checks: ['device type riverbed-npm-v1 matches ar11'] }) } as never);
    sfn.on(GetExecutionHistoryCommand).resolves(history('DryRunReported'));
    const { io: streams, text } = io();
    expect(await stackRestoreCommand({ device: 'ar11', latest: true }, streams)).toBe(3);
    const started = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(started).toMatchObject({ stateMachineArn: RESTORE_SM, name: 'ar11-plan-20261122T081500Z' });
    expect(JSON.parse(started.input!)).toEqual({ deviceId: 'ar11', selector: { latest: true }, force: false, dryRun: true });
    expect(text().out).toContain('PLANNED ar11 from backups/ar11/k.tar.gz');
    expect(text().out).toContain('Nothing was changed. To restore, run again with --confirm ar11.');
  });

  it('with --confirm naming the target restores onto it; without --wait returns once started', async () => {
    outputs();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    const { io: streams, text } = io();
    expect(await stackRestoreCommand({ device: 'ar11', target: 'ar11-standby', before: '2026-11-22T00:00:00Z', confirm: 'ar11-standby' }, streams)).toBe(0);
    const started = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(JSON.parse(started.input!)).toEqual({ deviceId: 'ar11', targetDeviceId: 'ar11-standby', selector: { before: '2026-11-22T00:00:00Z' }, force: false, dryRun: false });
    expect(started.name).toBe('ar11-standby-restore-20261122T081500Z');
    expect(text().out).toContain('STARTED restore of ar11-standby');
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it('refuses a selector that is not exactly one of --latest, --key, --before', async () => {
    await expect(stackRestoreCommand({ device: 'ar11', latest: true, key: 'k' }, io().io)).rejects.toThrow(/exactly one of --latest/);
  });
});
