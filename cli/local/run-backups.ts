import { ExecutionError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../../lambdas/common/log';
import type { SecretSource } from '../../lambdas/common/secrets';
import { findDevice } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { ArchiveChecksumOption } from '../../lambdas/transfer/upload-archive-object';
import type { RetryStepResult } from '../../lambdas/workflow/decide-retry';
import type { StepDeps } from '../../lambdas/workflow/deps';
import type { BackupExecutionInput, RunState } from '../../lambdas/workflow/run-state';
import { backupDefinitionFor } from '../../infra/local-definition';
import { BACKUP_STEPS } from './backup-steps';

export interface LocalRunOptions {
  config: RunnerConfig;
  /** Devices to back up; all of the config's when empty. */
  deviceIds?: readonly string[];
  secrets: SecretSource;
  /**
   * `checksum`: the full-object checksum uploads ask for. Default 'none': a local archive is
   * s3rver unless the caller says otherwise, and s3rver stores no checksums.
   */
  archive: { bucket: string; s3: S3Client; checksum?: ArchiveChecksumOption };
  log: Log;
  /** Tests shorten waits and retry intervals with these (aws-local-stepfunctions overrides, in ms). */
  overrides?: Pick<NonNullable<RunOptions['overrides']>, 'waitTimeOverrides' | 'retryIntervalOverrides'>;
  now?: () => Date;
  /** How many devices run at once. */
  concurrency?: number;
}

export interface LocalRunResult {
  device: string;
  status: 'SUCCEEDED' | 'FAILED';
  executionName: string;
  key?: string;
  size?: number;
  sha256?: string;
  /** The device-side backup id, when the run got that far. */
  deviceBackupId?: string;
  /** Failed runs: the error name and the message, which names the device and the problem. */
  error?: string;
  cause?: string;
  /** Set when the archive is safe but the device copy could not be deleted, or the archive not pruned. */
  warning?: string;
  durationMs: number;
}

/**
 * Backs devices up on this machine with the very state machine definition the stack deploys
 * (synthesized in-process), executed by aws-local-stepfunctions with the real step code bound
 * to its Task states.
 */
export async function runBackupsLocally(options: LocalRunOptions): Promise<LocalRunResult[]> {
  const deviceIds = options.deviceIds?.length ? [...options.deviceIds] : options.config.devices.map((d) => d.id);
  deviceIds.forEach((id) => findDevice(options.config, id)); // unknown ids fail before anything starts
  const { definition, deps } = prepareLocalRuns(options);
  const results: LocalRunResult[] = [];
  const queue = [...deviceIds];
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const executionName = manualExecutionName(id, deps.now());
      results.push(await runOne(definition, executionName, { deviceId: id, occurrence: null, trigger: 'manual' }, deps, options));
    }
  });
  await Promise.all(workers);
  return deviceIds.map((id) => results.find((r) => r.device === id)!);
}

/**
 * Runs one execution of the backup state machine on this machine, with the name and input a
 * caller chooses (the dispatcher's `<deviceId>-<occurrence>` and `{deviceId, occurrence,
 * trigger: 'schedule'}`): what a local stand-in for Step Functions' StartExecution runs.
 * The definition is synthesized once per returned function.
 */
export function localExecutionRunner(
  options: Omit<LocalRunOptions, 'deviceIds' | 'concurrency'>,
): (executionName: string, input: BackupExecutionInput) => Promise<LocalRunResult> {
  const { definition, deps } = prepareLocalRuns(options);
  return (executionName, input) => runOne(definition, executionName, input, deps, options);
}

function prepareLocalRuns(options: Omit<LocalRunOptions, 'deviceIds' | 'concurrency'>): { definition: object; deps: StepDeps } {
  const definition = backupDefinitionFor(options.config);
  const deps: StepDeps = {
    config: options.config,
    archive: { ...options.archive, checksum: options.archive.checksum ?? 'none' },
    secrets: options.secrets,
    log: options.log,
    now: options.now ?? (() => new Date()),
  };
  return { definition, deps };
}

async function runOne(
  definition: object,
  executionName: string,
  input: BackupExecutionInput,
  deps: StepDeps,
  options: Pick<LocalRunOptions, 'overrides'>,
): Promise<LocalRunResult> {
  const startTime = deps.now();
  const deviceId = input.deviceId;
  let lastState: RunState | undefined;
  // Only run states carry the device-side handle; DecideRetry's result is not one.
  const remember = (state: RunState | RetryStepResult) => {
    if ('handle' in state) lastState = state;
    return state;
  };
  // Every Task state runs its step in-process. The local library's JSONValue type is looser
  // than our step types; the ASL guarantees the shapes.
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(BACKUP_STEPS).map(([stateName, step]) => [
      stateName,
      async (event: unknown) => remember(await step(event as never, deps)) as unknown as never,
    ]),
  );
  // The library annotates the definition it is given, so each execution gets its own copy.
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, ...options.overrides },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:BackupRunner:${executionName}`,
        Name: executionName,
        StartTime: startTime.toISOString(),
        Input: input,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: 'arn:aws:states:local:000000000000:stateMachine:BackupRunner', Name: 'BackupRunner' },
    } as never,
  });
  const base = { device: deviceId, executionName };
  try {
    const output = (await execution.result) as unknown as RunState & {
      cleanupError?: { Error: string; Cause: string };
      pruneError?: { Error: string; Cause: string };
    };
    const warnings = [
      ...(output.cleanupError ? [`device copy not deleted: ${output.cleanupError.Cause}`] : []),
      ...(output.pruneError ? [`archive not pruned: ${output.pruneError.Cause}`] : []),
    ];
    return {
      ...base,
      status: 'SUCCEEDED',
      key: output.archive?.key,
      size: output.archive?.size,
      sha256: output.archive?.sha256,
      deviceBackupId: output.handle?.backupId,
      ...(warnings.length ? { warning: warnings.join('; ') } : {}),
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  } catch (error) {
    const failure = describeFailure(error);
    return {
      ...base,
      status: 'FAILED',
      ...failure,
      deviceBackupId: lastState?.handle?.backupId,
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  }
}

/** `ar11-lab-manual-20261122T081500Z`: unique per second, like the dispatcher's occurrence names. */
export function manualExecutionName(deviceId: string, at: Date): string {
  return `${deviceId}-manual-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

function describeFailure(error: unknown): { error: string; cause: string } {
  // A Fail state surfaces as ExecutionError whose cause carries the caught error's name and message.
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { error: inner.name, cause: inner.message };
  return { error: 'Error', cause: String(inner) };
}
