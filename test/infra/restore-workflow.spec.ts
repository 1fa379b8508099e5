import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { DeviceOperationFailed, DeviceUnreachable, IntegrityError } from '../../lambdas/common/errors';
import { RestoreRefused } from '../../lambdas/restore/errors';
import {
  RESTORE_FUNCTION_SIZING,
  RESTORE_NEVER_RETRIED,
  RESTORE_RETRIES,
  RESTORE_STATES,
  RESTORE_TASK_FUNCTIONS,
  RESTORE_TIMEOUT_HOURS,
} from '../../infra/constructs/restore-workflow-policy';
import { localFunctionArn, restoreDefinitionFor, stateMachineDefinitionOf } from '../../infra/local-definition';
import { logicalIdContaining, roleOf, roleStatements, type Resources, type Statement } from './cfn';
import { fleetConfig, synth } from './fixtures';

type State = Record<string, unknown> & { Type: string };
type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
type JsonValue = Parameters<LocalHandler>[0];

const config = fleetConfig();
const { template } = synth(config);
const json = template.toJSON() as { Resources: Resources };
const resources = json.Resources;
const definition = stateMachineDefinitionOf(json, 'RestoreWorkflow');
const states = definition.States as Record<string, State>;
const state = (name: string): State => {
  const s = states[name];
  if (!s) throw new Error(`no state ${name}; states: ${Object.keys(states).join(', ')}`);
  return s;
};
const bucketId = logicalIdContaining(resources, 'AWS::S3::Bucket', 'Archive');
const fnId = (name: string) => logicalIdContaining(resources, 'AWS::Lambda::Function', `RestoreWorkflow${name}Function`);
const statementsOf = (name: string): Statement[] => roleStatements(resources, roleOf(resources[fnId(name)]!));
const SECRETS: Statement = {
  Effect: 'Allow',
  Action: ['secretsmanager:GetSecretValue'],
  // The config's secrets scope (default prefix backup-runner/): one pattern for the whole fleet.
  Resource: ['arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:backup-runner/*'],
};
const READ: Statement = { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [`\${${bucketId}.Arn}/backups/*`] };

describe('restore state machine', () => {
  it('is a Standard machine with a 7-day backstop timeout, error-level logging, tracing, and its own stack output', () => {
    expect(definition.TimeoutSeconds).toBe(RESTORE_TIMEOUT_HOURS * 3600);
    const machineId = logicalIdContaining(resources, 'AWS::StepFunctions::StateMachine', 'RestoreWorkflowStateMachine');
    expect(resources[machineId]!.Properties).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false } });
    template.hasOutput('RestoreStateMachineArn', { Value: { Ref: machineId } });
  });

  it('has exactly the named states, wired choose -> check -> dry run? -> thaw loop -> upload -> start -> wait/poll -> remove -> succeed', () => {
    expect(definition.StartAt).toBe('ChooseBackup');
    expect(Object.keys(states).sort()).toEqual(Object.values(RESTORE_STATES).sort());
    expect(state('ChooseBackup')).toMatchObject({ Next: 'CheckCompatibility', Parameters: { 'input.$': '$', 'executionName.$': '$$.Execution.Name', 'executionStartTime.$': '$$.Execution.StartTime' } });
    expect(state('CheckCompatibility')).toMatchObject({ Next: 'IsDryRun' });
    expect(state('IsDryRun')).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.dryRun', BooleanEquals: true, Next: 'DryRunReported' }], Default: 'IsThawed' });
    expect(state('DryRunReported')).toEqual({ Type: 'Succeed' });
    expect(state('IsThawed')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.thaw.status', StringEquals: 'needed', Next: 'RequestThaw' },
        { Variable: '$.thaw.status', StringEquals: 'in-progress', Next: 'WaitForThaw' },
      ],
      Default: 'UploadToDevice',
    });
    // Hours of thawing are Wait states: no Lambda runs while S3 works.
    expect(state('WaitForThaw')).toEqual({ Type: 'Wait', SecondsPath: '$.thaw.waitSeconds', Next: 'CheckThaw' });
    expect(state('RequestThaw')).toMatchObject({ Next: 'IsThawed' });
    expect(state('CheckThaw')).toMatchObject({ Next: 'IsThawed' });
    expect(state('UploadToDevice')).toMatchObject({ Next: 'StartRestore' });
    expect(state('StartRestore')).toMatchObject({ Next: 'WaitForRestore' });
    expect(state('WaitForRestore')).toEqual({ Type: 'Wait', SecondsPath: '$.poll.waitSeconds', Next: 'PollRestore' });
    expect(state('IsRestoreDone')).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.status', StringEquals: 'completed', Next: 'RemoveUploadedCopy' }], Default: 'WaitForRestore' });
    expect(state('RemoveUploadedCopy')).toMatchObject({ Next: 'RestoreSucceeded', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.removeError', Next: 'RecordRemoveFailure' }] });
    expect(state('RemoveUploadedAfterFailure')).toMatchObject({ Next: 'RestoreFailed', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.removeError', Next: 'RestoreFailed' }] });
    expect(state('RestoreFailed')).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('sends failures before the upload straight to RestoreFailed, and failures after it through the removal of the uploaded copy', () => {
    for (const name of ['ChooseBackup', 'CheckCompatibility', 'RequestThaw', 'CheckThaw', 'UploadToDevice']) {
      expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RestoreFailed' }]);
    }
    for (const name of ['StartRestore', 'PollRestore']) {
      expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RemoveUploadedAfterFailure' }]);
    }
  });

  it('invokes the function of each task; both removal states share one', () => {
    for (const [name, fn] of Object.entries(RESTORE_TASK_FUNCTIONS)) expect(state(name).Resource).toBe(localFunctionArn(fnId(fn)));
    expect(state('RemoveUploadedAfterFailure').Resource).toBe(state('RemoveUploadedCopy').Resource);
  });

  it('renders exactly the shared retry table, and never retries what waiting cannot cure', () => {
    for (const [name, rules] of Object.entries(RESTORE_RETRIES)) {
      const retries = ((state(name).Retry ?? []) as { ErrorEquals: string[] }[]).filter((r) => !r.ErrorEquals.some((e) => e.startsWith('Lambda.')));
      expect(retries).toEqual(rules.map((r) => ({ ErrorEquals: r.errors, IntervalSeconds: r.intervalSeconds, BackoffRate: r.backoffRate, MaxAttempts: r.maxAttempts })));
    }
    // An unanswered restore request is never sent twice: StartRestore retries only a busy device.
    expect(RESTORE_RETRIES.StartRestore.flatMap((r) => r.errors)).toEqual(['DeviceBusy']);
    const retried = Object.values(states).flatMap((s) => ((s.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals));
    for (const name of [...RESTORE_NEVER_RETRIED, 'States.ALL', 'States.TaskFailed']) expect(retried).not.toContain(name);
  });

  it('sizes the functions from the policy table', () => {
    for (const [name, sizing] of Object.entries(RESTORE_FUNCTION_SIZING)) {
      expect(resources[fnId(name)]!.Properties).toMatchObject({ MemorySize: sizing.memoryMb, Timeout: sizing.timeoutMinutes * 60, Runtime: 'nodejs24.x' });
    }
  });

  it('restoreDefinitionFor is the synthesized restore definition and passes aws-local-stepfunctions validation', () => {
    const local = restoreDefinitionFor(config);
    expect(local).toEqual(definition);
    expect(() => new StateMachine(structuredClone(local), { validationOptions: { checkArn: true, checkPaths: true } })).not.toThrow();
  });
});

describe('restore least privilege', () => {
  it('ChooseBackup lists under the prefix and reads (manifests, HeadObject), with no device secret', () => {
    expect(statementsOf('ChooseBackup')).toEqual([{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`\${${bucketId}.Arn}`] }, READ]);
    expect(JSON.stringify(resources)).toContain('"Condition":{"StringLike":{"s3:prefix":["backups/*"]}}');
  });

  it('RequestThaw may RestoreObject and read under the prefix; CheckThaw only read', () => {
    expect(statementsOf('RequestThaw')).toEqual([{ Effect: 'Allow', Action: ['s3:RestoreObject', 's3:GetObject', 's3:GetObjectVersion'], Resource: [`\${${bucketId}.Arn}/backups/*`] }]);
    expect(statementsOf('CheckThaw')).toEqual([READ]);
  });

  it('UploadToDevice reads the archive and the device secrets; the device-only steps read the secrets and nothing else', () => {
    expect(statementsOf('UploadToDevice')).toEqual(expect.arrayContaining([SECRETS, READ]));
    expect(statementsOf('UploadToDevice')).toHaveLength(2);
    for (const name of ['CheckCompatibility', 'StartRestore', 'PollRestore', 'RemoveUploadedCopy']) expect(statementsOf(name)).toEqual([SECRETS]);
  });

  it('no restore function may write, delete or change the archive', () => {
    const all = Object.keys(RESTORE_FUNCTION_SIZING).flatMap((name) => statementsOf(name)).flatMap((s) => s.Action);
    expect(all.filter((a) => /^s3:(Put|Delete|Bypass|Abort)/.test(a))).toEqual([]);
  });

  it('with SSE-KMS, only the readers of object bytes (ChooseBackup, UploadToDevice) may decrypt', () => {
    const r = synth(fleetConfig({ archive: { encryption: { kms: { create: true } } } })).template.toJSON().Resources as Resources;
    const kmsOf = (name: string) =>
      roleStatements(r, roleOf(r[logicalIdContaining(r, 'AWS::Lambda::Function', `RestoreWorkflow${name}Function`)]!)).filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    for (const name of ['ChooseBackup', 'UploadToDevice']) expect(kmsOf(name).flatMap((s) => s.Action)).toEqual(['kms:Decrypt']);
    for (const name of ['RequestThaw', 'CheckThaw', 'CheckCompatibility', 'StartRestore', 'PollRestore', 'RemoveUploadedCopy']) expect(kmsOf(name)).toEqual([]);
  });
});

describe('restore state machine behaviour (fake steps)', () => {
  const context = { Execution: { Name: 'ar11-lab-restore-1', Input: { deviceId: 'ar11-lab', selector: { latest: true } } } };
  async function run(handlers: Record<string, (input: Record<string, unknown>) => Promise<unknown>>) {
    const defaults: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
      ChooseBackup: async () => ({ dryRun: false, thaw: { status: 'not-needed', waitSeconds: 1 }, status: 'planned' }),
      CheckCompatibility: async (input) => ({ ...input, status: 'checked' }),
      RequestThaw: async (input) => ({ ...input, thaw: { status: 'in-progress', waitSeconds: 1 } }),
      CheckThaw: async (input) => ({ ...input, thaw: { status: 'ready', waitSeconds: 1 } }),
      UploadToDevice: async (input) => ({ ...input, status: 'uploaded' }),
      StartRestore: async (input) => ({ ...input, status: 'restoring', poll: { waitSeconds: 1 } }),
      PollRestore: async (input) => ({ ...input, status: 'completed' }),
      RemoveUploadedCopy: async (input) => ({ ...input, removed: true }),
      RemoveUploadedAfterFailure: async (input) => ({ ...input, removed: true }),
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
    const machine = new StateMachine(structuredClone(definition));
    const execution = machine.run(context.Execution.Input, {
      context,
      overrides: { taskResourceLocalHandlers, waitTimeOverrides: { WaitForThaw: 0, WaitForRestore: 0 }, retryIntervalOverrides: Object.fromEntries(Object.keys(RESTORE_RETRIES).map((k) => [k, 0])) },
    });
    try {
      return { result: (await execution.result) as Record<string, unknown>, calls };
    } catch (error) {
      return { error: error as Error, calls };
    }
  }
  const failWith = (Type: new (m: string) => Error, message: string) => async () => {
    throw new Type(message);
  };

  it('a dry run chooses and checks, then stops: nothing thawed, uploaded or restored', async () => {
    const { result, calls } = await run({ ChooseBackup: async () => ({ dryRun: true, thaw: { status: 'needed', waitSeconds: 1 } }) });
    expect(calls).toEqual(['ChooseBackup', 'CheckCompatibility']);
    expect(result).toMatchObject({ dryRun: true, status: 'checked' });
  });

  it('thaws first when needed, re-checking after each wait until ready', async () => {
    let checks = 0;
    const { result, calls } = await run({
      ChooseBackup: async () => ({ dryRun: false, thaw: { status: 'needed', waitSeconds: 1 } }),
      CheckThaw: async (input) => ({ ...input, thaw: { status: ++checks < 3 ? 'in-progress' : 'ready', waitSeconds: 1 } }),
    });
    expect(calls).toEqual(['ChooseBackup', 'CheckCompatibility', 'RequestThaw', 'CheckThaw', 'CheckThaw', 'CheckThaw', 'UploadToDevice', 'StartRestore', 'PollRestore', 'RemoveUploadedCopy']);
    expect(result).toMatchObject({ removed: true, status: 'completed' });
  });

  it('polls through the reboot until completed', async () => {
    let polls = 0;
    const { calls } = await run({ PollRestore: async (input) => ({ ...input, status: ++polls < 4 ? 'restoring' : 'completed' }) });
    expect(calls.filter((c) => c === 'PollRestore')).toHaveLength(4);
  });

  it('a failed device restore still removes the uploaded copy, then fails with the device error', async () => {
    const { error, calls } = await run({ PollRestore: failWith(DeviceOperationFailed, 'ar11-lab: the device reports the restore failed: disk full') });
    expect(calls.slice(-2)).toEqual(['PollRestore', 'RemoveUploadedAfterFailure']);
    expect(error?.cause).toMatchObject({ name: 'DeviceOperationFailed', message: 'ar11-lab: the device reports the restore failed: disk full' });
  });

  it('keeps the original error when the removal after a failure fails too', async () => {
    const { error, calls } = await run({ StartRestore: failWith(IntegrityError, 'ar11-lab: sizes differ'), RemoveUploadedAfterFailure: failWith(DeviceUnreachable, 'refused') });
    expect(calls.filter((c) => c === 'RemoveUploadedAfterFailure')).toHaveLength(4);
    expect(error?.cause).toMatchObject({ name: 'IntegrityError', message: 'ar11-lab: sizes differ' });
  });

  it('a refusal fails at once, before anything is uploaded or removed', async () => {
    const { error, calls } = await run({ CheckCompatibility: failWith(RestoreRefused, 'ar11-lab: restore refused: versions differ') });
    expect(calls).toEqual(['ChooseBackup', 'CheckCompatibility']);
    expect(error?.cause).toMatchObject({ name: 'RestoreRefused' });
  });

  it('succeeds with removeError when only the removal of the uploaded copy fails', async () => {
    const { result } = await run({ RemoveUploadedCopy: failWith(DeviceOperationFailed, 'ar11-lab: delete refused') });
    expect(result).toMatchObject({ status: 'completed', removeError: { Error: 'DeviceOperationFailed', Cause: 'ar11-lab: delete refused' } });
  });
});
