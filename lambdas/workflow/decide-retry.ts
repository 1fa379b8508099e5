import { ERROR_NAMES } from '../common/errors';
import { findDevice } from '../config/load';
import type { RetryConfig } from '../config/schema';
import type { StepDeps } from './deps';
import type { BackupExecutionInput } from './run-state';

/**
 * Per-device re-runs (`devices[].retry`, npm.backup 2.0's retry_attempts / retry_delay): when a
 * backup run fails in StartBackup, PollBackup or TransferToArchive (after those states' own
 * Retry rules gave up), the whole backup starts over from StartBackup after `delayMinutes`,
 * inside the same execution, up to `attempts` more times.
 */

/**
 * Errors a whole new run may cure: the device was busy or away, said the backup failed, or took
 * too long. Everything else (credentials, TLS, host keys, config, secrets, a request the device
 * refuses, an answer we cannot read, bytes that do not match) would fail the same way again.
 */
export const RERUNNABLE_ERRORS: readonly string[] = [ERROR_NAMES.busy, ERROR_NAMES.unreachable, ERROR_NAMES.deviceFailed, ERROR_NAMES.timedOut];

export interface RetryDecisionInput {
  /** The run that just failed (1 = the first). */
  readonly attempt: number;
  /** The failed state's error name (the typed error's `name`, as Step Functions reports it). */
  readonly errorName: string;
  /** The device's `retry`; absent = no re-runs. */
  readonly retry: RetryConfig | undefined;
  readonly now: Date;
  /** When the execution times out (`workflow.timeoutHours` from its start); no re-run is started that could not finish before. */
  readonly deadline: Date;
}

export type RetryDecision =
  | { readonly rerun: true; readonly nextAttempt: number; readonly waitSeconds: number; readonly reason: string }
  | { readonly rerun: false; readonly reason: string };

/** Time a re-run needs at least after its wait: starting one that the execution timeout cuts off at once helps nobody. */
const MIN_RUN_SECONDS = 60;

/** Whether to run the backup again, and after how long. Pure. */
export function decideRetry(input: RetryDecisionInput): RetryDecision {
  const attempts = input.retry?.attempts ?? 0;
  if (!RERUNNABLE_ERRORS.includes(input.errorName)) {
    return { rerun: false, reason: `${input.errorName} is not cured by running the backup again` };
  }
  if (input.attempt > attempts) {
    return {
      rerun: false,
      reason: attempts === 0 ? 'the device has no retry.attempts' : `all ${attempts} re-run${attempts === 1 ? '' : 's'} (retry.attempts) used`,
    };
  }
  const waitSeconds = Math.round((input.retry?.delayMinutes ?? 0) * 60);
  const runFrom = input.now.getTime() + (waitSeconds + MIN_RUN_SECONDS) * 1000;
  if (runFrom > input.deadline.getTime()) {
    return { rerun: false, reason: `waiting ${waitSeconds} s (retry.delayMinutes) would leave no time before the execution's timeout (workflow.timeoutHours)` };
  }
  return {
    rerun: true,
    nextAttempt: input.attempt + 1,
    waitSeconds,
    reason: `${input.errorName}: run ${input.attempt + 1} of ${attempts + 1} in ${waitSeconds} s`,
  };
}

/** What the DecideRetry Task state sends: the failed state (with `$.error`), the execution's input and start. */
export interface DecideRetryEvent {
  /** The state at the failure: the run state or the input of the run that failed, plus the caught error. */
  state: { deviceId?: string; attempt?: number; error?: { Error?: string; Cause?: string } };
  input: BackupExecutionInput;
  executionStartTime: string;
}

/** The DecideRetry state's result (stored at `$.retry`): the Choice after it reads `decision`. */
export interface RetryStepResult {
  decision: 'rerun' | 'fail';
  reason: string;
  /** How long the WaitBeforeRerun state waits; 0 when failing. */
  waitSeconds: number;
  /** The input the re-run's StartBackup gets: the execution's input with the next attempt number. */
  next: BackupExecutionInput;
}

/** The DecideRetry step: reads the device's `retry` from the config and applies `decideRetry`. */
export async function decideRetryStep(event: DecideRetryEvent, deps: StepDeps): Promise<RetryStepResult> {
  const deviceId = event.input.deviceId;
  const device = findDevice(deps.config, deviceId);
  const attempt = event.state.attempt ?? event.input.attempt ?? 1;
  const started = Date.parse(event.executionStartTime);
  const deadline = new Date((Number.isNaN(started) ? deps.now().getTime() : started) + deps.config.workflow.timeoutHours * 3_600_000);
  const errorName = event.state.error?.Error ?? 'Unknown';
  const decision = decideRetry({ attempt, errorName, retry: device.retry, now: deps.now(), deadline });
  const fields = { deviceId, attempt, error: errorName, cause: event.state.error?.Cause, reason: decision.reason };
  if (decision.rerun) {
    deps.log.warn('backup run failed; running it again', { ...fields, waitSeconds: decision.waitSeconds });
    return { decision: 'rerun', reason: decision.reason, waitSeconds: decision.waitSeconds, next: { ...event.input, attempt: decision.nextAttempt } };
  }
  deps.log.error('backup failed', fields);
  return { decision: 'fail', reason: decision.reason, waitSeconds: 0, next: { ...event.input, attempt } };
}
