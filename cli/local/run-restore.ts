import { ExecutionError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../../lambdas/common/log';
import type { SecretSource } from '../../lambdas/common/secrets';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { RestoreExecutionInput, RestoreState } from '../../lambdas/restore/state';
import type { ArchiveChecksumOption } from '../../lambdas/transfer/upload-archive-object';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { restoreDefinitionFor } from '../../infra/local-definition';
import { RESTORE_STEPS } from './restore-steps';

export interface LocalRestoreOptions {
  config: RunnerConfig;
  input: RestoreExecutionInput;
  secrets: SecretSource;
  archive: { bucket: string; s3: S3Client; checksum?: ArchiveChecksumOption };
  log: Log;
  /** Tests shorten waits and retry intervals with these (aws-local-stepfunctions overrides, in ms). */
  overrides?: Pick<NonNullable<RunOptions['overrides']>, 'waitTimeOverrides' | 'retryIntervalOverrides'>;
  now?: () => Date;
  /** The definition, when the caller already has it (the demo synthesizes once). */
  definition?: object;
}

export interface LocalRestoreResult {
  status: 'SUCCEEDED' | 'FAILED';
  executionName: string;
  /** The last state the workflow reached: the plan (backup, checks, thaw) and, when it ran, the outcome. */
  state?: RestoreState;
  /** Failed runs: the error name and the message, which names the device and the problem. */
  error?: string;
  cause?: string;
  /** The uploaded copy could not be removed from the device (the restore itself may have succeeded). */
  removeError?: { Error: string; Cause: string };
  durationMs: number;
}

/**
 * Runs one restore on this machine with the very restore state machine definition the stack
 * deploys, executed by aws-local-stepfunctions with the real step code bound to its Task states.
 */
export async function runRestoreLocally(options: LocalRestoreOptions): Promise<LocalRestoreResult> {
  const definition = options.definition ?? restoreDefinitionFor(options.config);
  const deps: StepDeps = {
    config: options.config,
    archive: { ...options.archive, checksum: options.archive.checksum ?? 'none' },
    secrets: options.secrets,
    log: options.log,
    now: options.now ?? (() => new Date()),
  };
  const startTime = deps.now();
  const target = options.input.targetDeviceId ?? options.input.deviceId;
  const executionName = restoreExecutionName(target, startTime, options.input.dryRun === true);
  let lastState: RestoreState | undefined;
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(RESTORE_STEPS).map(([stateName, step]) => [
      stateName,
      // The local library's JSONValue type is looser than our step types; the ASL guarantees the shapes.
      async (event: unknown) => {
        const state = await step(event as never, deps);
        lastState = state;
        return state as unknown as never;
      },
    ]),
  );
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(options.input as never, {
    overrides: { taskResourceLocalHandlers, ...options.overrides },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:BackupRunnerRestore:${executionName}`,
        Name: executionName,
        StartTime: startTime.toISOString(),
        Input: options.input,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: 'arn:aws:states:local:000000000000:stateMachine:BackupRunnerRestore', Name: 'BackupRunnerRestore' },
    } as never,
  });
  try {
    const output = (await execution.result) as unknown as RestoreState & { removeError?: { Error: string; Cause: string } };
    return {
      status: 'SUCCEEDED',
      executionName,
      state: output,
      ...(output.removeError ? { removeError: output.removeError } : {}),
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  } catch (error) {
    const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
    return {
      status: 'FAILED',
      executionName,
      ...(lastState ? { state: lastState } : {}),
      error: inner instanceof Error ? inner.name : 'Error',
      cause: inner instanceof Error ? inner.message : String(inner),
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  }
}

/** `ar11-lab-restore-20261122T081500Z` (`-plan-` for a dry run): unique per second and device. */
export function restoreExecutionName(deviceId: string, at: Date, dryRun: boolean): string {
  return `${deviceId}-${dryRun ? 'plan' : 'restore'}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}
