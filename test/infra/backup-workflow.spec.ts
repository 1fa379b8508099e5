import { Match } from 'aws-cdk-lib/assertions';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../lambdas/archive/errors';
import { AuthenticationFailed, DeviceBusy, DeviceOperationFailed, DeviceUnreachable } from '../../lambdas/common/errors';
import { silentLog } from '../../lambdas/common/log';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { decideRetryStep, type DecideRetryEvent } from '../../lambdas/workflow/decide-retry';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { BACKUP_RETRIES, BACKUP_STATES, NEVER_RETRIED, RERUN_FROM_STATES } from '../../infra/constructs/backup-workflow-policy';
import { localFunctionArn, stateMachineDefinitionOf } from '../../infra/local-definition';
import { logicalIdContaining, type Resources } from './cfn';
import { fleetConfig, synth } from './fixtures';

type State = Record<string, unknown> & { Type: string };
type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
type JsonValue = Parameters<LocalHandler>[0];

const { template } = synth(fleetConfig({ workflow: { timeoutHours: 6 } }));
const resources = template.toJSON().Resources as Resources;
const definition = stateMachineDefinitionOf(template.toJSON());
const states = definition.States as Record<string, State>;
const state = (name: string): State => {
  const s = states[name];
  if (!s) throw new Error(`no state ${name}; states: ${Object.keys(states).join(', ')}`);
  return s;
};
/** The retries this project adds (CDK puts its Lambda service-exception retry first). */
const deviceRetries = (name: string) =>
  (state(name).Retry as { ErrorEquals: string[] }[]).filter((r) => !r.ErrorEquals.some((e) => e.startsWith('Lambda.')));

describe('backup state machine', () => {
  it('is a Standard machine with the configured timeout, error-level logging without execution data, and tracing', () => {
    expect(definition.TimeoutSeconds).toBe(6 * 3600);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('StateMachineLogs'), 'Arn'] } } }],
      }),
    });
  });

  it('has exactly the named states, wired start -> wait -> poll -> choice -> transfer -> delete -> prune -> succeed', () => {
    expect(definition.StartAt).toBe('StartBackup');
    expect(Object.keys(states).sort()).toEqual(Object.values(BACKUP_STATES).sort());
    expect(state('StartBackup')).toMatchObject({ Type: 'Task', Next: 'WaitForDevice' });
    expect(state('WaitForDevice')).toEqual({ Type: 'Wait', SecondsPath: '$.poll.waitSeconds', Next: 'PollBackup' });
    expect(state('PollBackup')).toMatchObject({ Type: 'Task', Next: 'IsBackupDone' });
    expect(state('IsBackupDone')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.status', StringEquals: 'completed', Next: 'TransferToArchive' }],
      Default: 'WaitForDevice',
    });
    expect(state('TransferToArchive')).toMatchObject({ Type: 'Task', Next: 'IsTransferDone' });
    // A continuation loops the transfer on the same multipart upload.
    expect(state('IsTransferDone')).toEqual({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.transfer', IsPresent: true }, { Variable: '$.transfer.status', StringEquals: 'continue' }], Next: 'TransferToArchive' }],
      Default: 'DeleteDeviceCopy',
    });
    expect(state('DeleteDeviceCopy')).toMatchObject({ Type: 'Task', Next: 'PruneArchive' });
    expect(state('RecordCleanupFailure')).toEqual({ Type: 'Pass', Next: 'PruneArchive' });
    expect(state('PruneArchive')).toMatchObject({ Type: 'Task', Next: 'BackupSucceeded' });
    expect(state('RecordPruneFailure')).toEqual({ Type: 'Pass', Next: 'BackupSucceeded' });
    expect(state('DecideRetry')).toMatchObject({ Type: 'Task', ResultPath: '$.retry', Next: 'ShouldRerun' });
    expect(state('ShouldRerun')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.retry.decision', StringEquals: 'rerun', Next: 'WaitBeforeRerun' }],
      Default: 'BackupFailed',
    });
    expect(state('WaitBeforeRerun')).toEqual({ Type: 'Wait', SecondsPath: '$.retry.waitSeconds', Next: 'PrepareRerun' });
    // The re-run starts from the execution's input with the next attempt number, nothing else.
    expect(state('PrepareRerun')).toEqual({ Type: 'Pass', InputPath: '$.retry.next', Next: 'StartBackup' });
    expect(state('BackupSucceeded')).toEqual({ Type: 'Succeed' });
    expect(state('BackupFailed')).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('invokes each function directly (payloadResponseOnly) with the RunState, StartBackup with the execution context', () => {
    for (const name of ['StartBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'PruneArchive', 'DecideRetry']) {
      const fnId = logicalIdContaining(resources, 'AWS::Lambda::Function', `${name}Function`);
      expect(state(name).Resource).toBe(localFunctionArn(fnId));
    }
    // DecideRetry sees the failed state (with $.error), the execution's own input and its start.
    expect(state('DecideRetry').Parameters).toEqual({
      'state.$': '$',
      'input.$': '$$.Execution.Input',
      'executionStartTime.$': '$$.Execution.StartTime',
    });
    expect(state('StartBackup').Parameters).toEqual({
      'input.$': '$',
      'executionName.$': '$$.Execution.Name',
      'executionStartTime.$': '$$.Execution.StartTime',
    });
    for (const name of ['StartBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'PruneArchive']) {
      // The result replaces the state by the ASL default (an explicit "$" breaks aws-local-stepfunctions 3.0.0).
      expect(state(name)).not.toHaveProperty('ResultPath');
      expect(state(name)).not.toHaveProperty('ResultSelector');
      expect(state(name)).not.toHaveProperty('OutputPath');
    }
    for (const name of ['PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'PruneArchive']) {
      // No Parameters: Lambda receives the whole state, i.e. payload '$'.
      expect(state(name)).not.toHaveProperty('Parameters');
      expect(state(name)).not.toHaveProperty('InputPath');
    }
  });

  it.each([
    ['StartBackup', [
      { ErrorEquals: ['DeviceBusy'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 5 },
      { ErrorEquals: ['DeviceUnreachable'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 4 },
    ]],
    ['PollBackup', [
      { ErrorEquals: ['DeviceUnreachable'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 6 },
      { ErrorEquals: ['DeviceBusy'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 3 },
    ]],
    ['TransferToArchive', [{ ErrorEquals: ['DeviceUnreachable'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 3 }]],
    ['DeleteDeviceCopy', [{ ErrorEquals: ['DeviceUnreachable', 'DeviceBusy'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 3 }]],
    ['PruneArchive', []],
    ['DecideRetry', []],
  ])('%s retries busy/unreachable as specified', (name, expected) => {
    expect(deviceRetries(name)).toEqual(expected);
  });

  it('renders exactly the shared retry table', () => {
    for (const [name, rules] of Object.entries(BACKUP_RETRIES)) {
      expect(deviceRetries(name)).toEqual(
        rules.map((r) => ({ ErrorEquals: r.errors, IntervalSeconds: r.intervalSeconds, BackoffRate: r.backoffRate, MaxAttempts: r.maxAttempts })),
      );
    }
  });

  it('never retries authentication, TLS, integrity, protocol, rejected, device-failed, timeout, config or secret errors', () => {
    expect(NEVER_RETRIED).toHaveLength(10);
    const retried = Object.values(states).flatMap((s) => ((s.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals));
    expect(retried).toContain('DeviceBusy');
    for (const name of [...NEVER_RETRIED, 'States.ALL', 'States.TaskFailed']) expect(retried).not.toContain(name);
  });

  it.each([...RERUN_FROM_STATES])('%s sends every error under $.error to DecideRetry (re-run or BackupFailed)', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DecideRetry' }]);
  });

  it('fails with the original error (still at $.error) when DecideRetry itself fails', () => {
    expect(state('DecideRetry').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.retryError', Next: 'BackupFailed' }]);
  });

  it('records a failed device-side delete and still succeeds (the archive is already committed)', () => {
    expect(state('DeleteDeviceCopy').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: 'RecordCleanupFailure' }]);
  });

  it('records a failed prune and still succeeds (the backup is committed before pruning)', () => {
    expect(state('PruneArchive').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.pruneError', Next: 'RecordPruneFailure' }]);
  });
});

describe('backup state machine, executed by aws-local-stepfunctions', () => {
  type Handler = (input: Record<string, unknown>) => Promise<Record<string, unknown>>;
  const context = { Execution: { Name: 'ar11-lab-20260101T020000Z', Input: { deviceId: 'ar11-lab' } } };
  const failWith = (ErrorClass: new (message: string) => Error, message: string): Handler => async () => {
    throw new ErrorClass(message);
  };

  /** The real DecideRetry step over the fleet config, with `retry` set on ar11-lab when given. */
  const decideWith = (retry?: RunnerConfig['devices'][number]['retry'], decisions: unknown[] = []): Handler => {
    const base = fleetConfig();
    const config: RunnerConfig = { ...base, devices: base.devices.map((d) => (d.id === 'ar11-lab' && retry ? { ...d, retry } : d)) };
    const deps = { config, log: silentLog, now: () => new Date() } as unknown as StepDeps; // DecideRetry reads nothing else
    return async (input) => {
      const decision = await decideRetryStep(input as unknown as DecideRetryEvent, deps);
      decisions.push(decision);
      return decision as unknown as Record<string, unknown>;
    };
  };

  async function run(handlers: Partial<Record<'StartBackup' | 'PollBackup' | 'TransferToArchive' | 'DeleteDeviceCopy' | 'PruneArchive' | 'DecideRetry', Handler>>) {
    const defaults: Record<string, Handler> = {
      DecideRetry: decideWith(undefined),
      StartBackup: async (input) => ({ ...input, status: 'running', poll: { waitSeconds: 15 } }),
      PollBackup: async (input) => ({ ...input, status: 'completed' }),
      TransferToArchive: async (input) => ({ ...input, key: 'backups/ar11-lab/x.tar.gz' }),
      DeleteDeviceCopy: async (input) => ({ ...input, deleted: true }),
      PruneArchive: async (input) => ({ ...input, pruned: true }),
    };
    const calls: string[] = [];
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries({ ...defaults, ...handlers }).map(([name, fn]): [string, LocalHandler] => [
        name,
        async (input: JsonValue) => {
          calls.push(name);
          return (await fn(input as Record<string, unknown>)) as JsonValue;
        },
      ]),
    );
    // A clone: aws-local-stepfunctions writes QueryLanguage into the definition it is given.
    const machine = new StateMachine(structuredClone(definition));
    const execution = machine.run(context.Execution.Input, {
      context,
      overrides: {
        taskResourceLocalHandlers,
        waitTimeOverrides: { WaitForDevice: 0, WaitBeforeRerun: 0 },
        retryIntervalOverrides: { StartBackup: 0, PollBackup: 0, TransferToArchive: 0, DeleteDeviceCopy: 0, PruneArchive: 0 },
      },
    });
    try {
      return { result: (await execution.result) as Record<string, unknown>, calls };
    } catch (error) {
      return { error: error as Error, calls };
    }
  }

  it('passes the execution context to StartBackup and loops on PollBackup until completed', async () => {
    let polls = 0;
    const seen: unknown[] = [];
    const { result, calls } = await run({
      StartBackup: async (input) => (seen.push(input), { status: 'running', poll: { waitSeconds: 15 } }),
      PollBackup: async (input) => ({ ...input, status: ++polls < 3 ? 'running' : 'completed' }),
    });
    // aws-local-stepfunctions always sets $$.Execution.StartTime to the real start.
    expect(seen).toEqual([{ input: context.Execution.Input, executionName: context.Execution.Name, executionStartTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    expect(calls).toEqual(['StartBackup', 'PollBackup', 'PollBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'PruneArchive']);
    expect(result).toEqual({ status: 'completed', poll: { waitSeconds: 15 }, key: 'backups/ar11-lab/x.tar.gz', deleted: true, pruned: true });
  });

  it('retries a busy device at start, matched by the error name', async () => {
    let attempts = 0;
    const { result, calls } = await run({
      StartBackup: async () => {
        if (++attempts <= 2) throw new DeviceBusy('another backup is running');
        return { status: 'running', poll: { waitSeconds: 1 } };
      },
    });
    expect(calls.filter((c) => c === 'StartBackup')).toHaveLength(3);
    expect(result).toMatchObject({ deleted: true });
  });

  it('fails without retrying an authentication failure', async () => {
    const { error, calls } = await run({ StartBackup: failWith(AuthenticationFailed, 'ar11-lab: credentials refused') });
    // DecideRetry only confirms that nothing re-runs it.
    expect(calls).toEqual(['StartBackup', 'DecideRetry']);
    expect(error).toBeDefined();
    // BackupFailed raises the caught error's name and message (ErrorPath/CausePath).
    expect(error?.cause).toMatchObject({ name: 'AuthenticationFailed', message: 'ar11-lab: credentials refused' });
  });

  it('gives up polling an unreachable device after 1 + 6 attempts', async () => {
    const { error, calls } = await run({ PollBackup: failWith(DeviceUnreachable, 'connection refused') });
    expect(calls.filter((c) => c === 'PollBackup')).toHaveLength(7);
    expect(calls).not.toContain('TransferToArchive');
    expect(error?.cause).toMatchObject({ name: 'DeviceUnreachable', message: 'connection refused' });
  });

  it('re-runs a backup the device failed, from StartBackup with attempt 2, after retry.delayMinutes, and succeeds', async () => {
    const starts: unknown[] = [];
    const decisions: unknown[] = [];
    let polls = 0;
    const { result, calls } = await run({
      StartBackup: async (input) => (starts.push(input), { deviceId: 'ar11-lab', attempt: (input.input as { attempt?: number }).attempt ?? 1, status: 'running', poll: { waitSeconds: 1 } }),
      PollBackup: async (input) => {
        if (++polls === 1) throw new DeviceOperationFailed('ar11-lab: the device reports backup 7 failed: disk full');
        return { ...input, status: 'completed' };
      },
      DecideRetry: decideWith({ attempts: 2, delayMinutes: 10 }, decisions),
    });
    expect(calls).toEqual(['StartBackup', 'PollBackup', 'DecideRetry', 'StartBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'PruneArchive']);
    expect(decisions).toEqual([{ decision: 'rerun', reason: expect.stringContaining('DeviceOperationFailed'), waitSeconds: 600, next: { deviceId: 'ar11-lab', attempt: 2 } }]);
    // The second run starts from the execution's input plus the attempt number, not from the failed state.
    expect(starts.map((s) => (s as { input: unknown }).input)).toEqual([{ deviceId: 'ar11-lab' }, { deviceId: 'ar11-lab', attempt: 2 }]);
    expect(result).toMatchObject({ attempt: 2, deleted: true, pruned: true });
    expect(result).not.toHaveProperty('error');
  });

  it('re-runs a device that stays busy retry.attempts times, then fails with the device\'s error', async () => {
    const { error, calls } = await run({
      StartBackup: failWith(DeviceBusy, 'ar11-lab: another backup is running'),
      DecideRetry: decideWith({ attempts: 2, delayMinutes: 0 }),
    });
    // Each run: StartBackup once plus its 5 Retry attempts; three runs (the first and two re-runs).
    expect(calls.filter((c) => c === 'StartBackup')).toHaveLength(3 * 6);
    expect(calls.filter((c) => c === 'DecideRetry')).toHaveLength(3);
    expect(error?.cause).toMatchObject({ name: 'DeviceBusy', message: 'ar11-lab: another backup is running' });
  });

  it('never re-runs an authentication failure, whatever retry.attempts says', async () => {
    const { error, calls } = await run({
      StartBackup: failWith(AuthenticationFailed, 'ar11-lab: credentials refused'),
      DecideRetry: decideWith({ attempts: 5, delayMinutes: 0 }),
    });
    expect(calls).toEqual(['StartBackup', 'DecideRetry']);
    expect(error?.cause).toMatchObject({ name: 'AuthenticationFailed' });
  });

  it('fails with the original error when DecideRetry itself fails', async () => {
    const { error, calls } = await run({
      TransferToArchive: failWith(DeviceUnreachable, 'ar11-lab: connection reset'),
      DecideRetry: async () => {
        throw new Error('config unreadable');
      },
    });
    expect(calls.filter((c) => c === 'TransferToArchive')).toHaveLength(4);
    expect(error?.cause).toMatchObject({ name: 'DeviceUnreachable', message: 'ar11-lab: connection reset' });
  });

  it('succeeds when the device-side delete fails, keeping the error in cleanupError', async () => {
    const { result, calls } = await run({ DeleteDeviceCopy: failWith(AuthenticationFailed, 'token expired') });
    expect(result).toMatchObject({ key: 'backups/ar11-lab/x.tar.gz', cleanupError: { Error: 'AuthenticationFailed' }, pruned: true });
    expect(calls.at(-1)).toBe('PruneArchive');
  });

  it('succeeds when the prune fails, once, keeping the error in pruneError', async () => {
    const { result, calls } = await run({ PruneArchive: failWith(ArchiveError, 'ar11-lab: cannot list s3://b/backups/ar11-lab/: AccessDenied') });
    expect(calls.filter((c) => c === 'PruneArchive')).toHaveLength(1);
    expect(result).toMatchObject({
      deleted: true,
      pruneError: { Error: 'ArchiveError', Cause: 'ar11-lab: cannot list s3://b/backups/ar11-lab/: AccessDenied' },
    });
  });
});

describe('functions', () => {
  it.each([
    ['StartBackup', 256, 60],
    ['PollBackup', 256, 60],
    ['TransferToArchive', 1024, 900],
    ['DeleteDeviceCopy', 256, 60],
    ['PruneArchive', 512, 300],
  ])('%s runs on Node 24 / arm64 with %i MB and %i s, its own log group and the runner environment', (name, memory, timeout) => {
    const fnId = logicalIdContaining(resources, 'AWS::Lambda::Function', `${name}Function`);
    const logGroupId = logicalIdContaining(resources, 'AWS::Logs::LogGroup', `${name}Logs`);
    expect(resources[fnId]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
      Environment: {
        Variables: {
          ARCHIVE_BUCKET: { Ref: logicalIdContaining(resources, 'AWS::S3::Bucket', 'Archive') },
          POWERTOOLS_SERVICE_NAME: 'backup-runner',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    // The config is compiled into the bundle, never passed as an environment variable (4 KB limit).
    expect(Object.keys((resources[fnId]!.Properties!.Environment as { Variables: object }).Variables)).not.toContain('RUNNER_CONFIG_JSON');
    expect(resources[logGroupId]!.Properties).toMatchObject({ RetentionInDays: 90 });
  });

  it('names the stack outputs', () => {
    template.hasOutput('ArchiveBucketName', { Value: { Ref: logicalIdContaining(resources, 'AWS::S3::Bucket', 'Archive') } });
    template.hasOutput('BackupStateMachineArn', { Value: { Ref: logicalIdContaining(resources, 'AWS::StepFunctions::StateMachine', 'BackupWorkflowStateMachine') } });
  });
});
