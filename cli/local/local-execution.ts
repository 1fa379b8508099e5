import { ExecutionError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../../lambdas/common/log';
import type { SecretSource } from '../../lambdas/common/secrets';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { ArchiveChecksumOption } from '../../lambdas/transfer/archive-object';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { runGuardedStep } from '../../lambdas/workflow/guarded-step';
import { retryNoticeLine, retryTracker } from './retry-notice';

/**
 * The plumbing every local execution shares (backup and restore alike): the step dependencies,
 * one execution of a synthesized state machine by aws-local-stepfunctions with the real step code
 * bound to its Task states, the event feed, and how a failed execution is reported.
 */

/** What a local execution's steps need from its caller. */
export interface LocalStepOptions {
  config: RunnerConfig;
  secrets: SecretSource;
  /**
   * `checksum`: the full-object checksum uploads ask for. Default 'none': a local archive is
   * s3rver unless the caller says otherwise, and s3rver stores no checksums.
   */
  archive: { bucket: string; s3: S3Client; checksum?: ArchiveChecksumOption };
  log: Log;
  now?: () => Date;
  /** The device HTTP client (StepDeps.createHttp); tests wrap the real one to watch a transfer. */
  createHttp?: StepDeps['createHttp'];
  /** StepDeps.uploadTimeLimitSeconds: none locally; tests set the deployed Lambda's to run a restore as the stack does. */
  uploadTimeLimitSeconds?: number;
}

/** Tests shorten waits and retry intervals with these (aws-local-stepfunctions overrides, in ms). */
export type LocalRunOverrides = Pick<NonNullable<RunOptions['overrides']>, 'waitTimeOverrides' | 'retryIntervalOverrides'>;

export function localStepDeps(options: LocalStepOptions): StepDeps {
  return {
    config: options.config,
    archive: { ...options.archive, checksum: options.archive.checksum ?? 'none' },
    secrets: options.secrets,
    log: options.log,
    now: options.now ?? (() => new Date()),
    ...(options.createHttp ? { createHttp: options.createHttp } : {}),
    ...(options.uploadTimeLimitSeconds !== undefined ? { uploadTimeLimitSeconds: options.uploadTimeLimitSeconds } : {}),
  };
}

export interface LocalExecution<S> {
  definition: object;
  /** The state machine's name in the execution's context (BackupRunner, BackupRunnerRestore). */
  stateMachineName: string;
  executionName: string;
  startTime: Date;
  input: object;
  /** Task state name -> step; every Task state runs its step in-process with `deps`. */
  steps: Readonly<Record<string, (event: never, deps: StepDeps) => Promise<S>>>;
  deps: StepDeps;
  /** Sees each step's result, e.g. to keep the last state for a failure report. */
  onStepResult?: (result: S) => void;
  overrides?: LocalRunOverrides;
  /** Every event of the execution (eventLogs: states entered and left, with their payloads). */
  onEvent?: (event: unknown) => void;
}

/** Runs one execution; resolves with its output, rejects as the execution fails (see describeFailure). */
export function runLocalExecution<S>(execution: LocalExecution<S>): Promise<unknown> {
  const { deps } = execution;
  // Each failed attempt that will be retried gets one line on stderr (without --verbose): device, reason, next try, attempt k of n.
  const input = execution.input as { deviceId?: string; targetDeviceId?: string };
  const deviceId = input.targetDeviceId ?? input.deviceId ?? execution.executionName;
  const retries = retryTracker(execution.definition, deviceId, execution.overrides?.retryIntervalOverrides ?? {});
  // The local library's JSONValue type is looser than our step types; the ASL guarantees the shapes.
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(execution.steps).map(([stateName, step]) => [
      stateName,
      async (event: unknown) => {
        let result: S;
        try {
          // Behind the same net as in Lambda (stepHandler): secrets scrubbed, device text bounded.
          result = await runGuardedStep(step, event as never, deps);
        } catch (error) {
          const notice = retries.failed(stateName, error);
          if (notice) deps.log.warn(retryNoticeLine(notice));
          throw error;
        }
        retries.succeeded(stateName);
        const rerun = rerunNotice(result, deviceId);
        if (rerun) deps.log.warn(rerun);
        execution.onStepResult?.(result);
        return result as unknown as never;
      },
    ]),
  );
  // The library annotates the definition it is given, so each execution gets its own copy.
  const machine = new StateMachine(structuredClone(execution.definition) as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const name = execution.stateMachineName;
  const run = machine.run(execution.input as never, {
    overrides: { taskResourceLocalHandlers, ...execution.overrides },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:${name}:${execution.executionName}`,
        Name: execution.executionName,
        StartTime: execution.startTime.toISOString(),
        Input: execution.input,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${name}`, Name: name },
    } as never,
  });
  if (execution.onEvent) void followEvents(run.eventLogs, execution.onEvent);
  return run.result as Promise<unknown>;
}

/** Hands each event of an execution to `onEvent` as the library produces them; the log ends with the execution. */
export async function followEvents(events: AsyncIterable<unknown>, onEvent: (event: unknown) => void): Promise<void> {
  try {
    for await (const event of events) onEvent(event);
  } catch {
    // The execution's own outcome is reported by its result; the event log only observes it.
  }
}

/** DecideRetry chose to run the whole backup again (devices[].retry): say when, and which run it will be. */
function rerunNotice(result: unknown, deviceId: string): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { decision?: unknown; waitSeconds?: unknown; reason?: unknown };
  if (r.decision !== 'rerun') return undefined;
  return `${deviceId}: the backup failed and runs again from the start in ${String(r.waitSeconds)} s (${String(r.reason)})`;
}

/** The error name and message of a failed execution, which name the device and the problem. */
export function describeFailure(error: unknown): { error: string; cause: string } {
  // A Fail state surfaces as ExecutionError whose cause carries the caught error's name and message.
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { error: inner.name, cause: inner.message };
  return { error: 'Error', cause: String(inner) };
}
