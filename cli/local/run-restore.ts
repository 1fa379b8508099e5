import { restoreExecutionName } from '../../lambdas/schedule/execution-names';
import type { RestoreExecutionInput, RestoreState } from '../../lambdas/restore/state';
import { restoreDefinitionFor } from '../../infra/local-definition';
import { describeFailure, localStepDeps, runLocalExecution, type LocalRunOverrides, type LocalStepOptions } from './local-execution';
import { RESTORE_STEPS } from './restore-steps';

export interface LocalRestoreOptions extends LocalStepOptions {
  input: RestoreExecutionInput;
  /** Tests shorten waits and retry intervals with these (aws-local-stepfunctions overrides, in ms). */
  overrides?: LocalRunOverrides;
  /** The definition, when the caller already has it (the demo synthesizes once). */
  definition?: object;
  /** Every event of the execution (aws-local-stepfunctions eventLogs: states entered and left, with their payloads). */
  onEvent?: (event: unknown) => void;
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
  const deps = localStepDeps(options);
  const startTime = deps.now();
  const target = options.input.targetDeviceId ?? options.input.deviceId;
  const executionName = restoreExecutionName(target, startTime, options.input.dryRun === true);
  let lastState: RestoreState | undefined;
  const result = runLocalExecution<RestoreState>({
    definition,
    stateMachineName: 'BackupRunnerRestore',
    executionName,
    startTime,
    input: options.input,
    steps: RESTORE_STEPS,
    deps,
    onStepResult: (state) => {
      lastState = state;
    },
    overrides: options.overrides,
    onEvent: options.onEvent,
  });
  try {
    const output = (await result) as RestoreState & { removeError?: { Error: string; Cause: string } };
    return {
      status: 'SUCCEEDED',
      executionName,
      state: output,
      ...(output.removeError ? { removeError: output.removeError } : {}),
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  } catch (error) {
    return {
      status: 'FAILED',
      executionName,
      ...(lastState ? { state: lastState } : {}),
      ...describeFailure(error),
      durationMs: deps.now().getTime() - startTime.getTime(),
    };
  }
}

