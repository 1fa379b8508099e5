import { manualExecutionName } from '../../lambdas/schedule/execution-names';
import { randomUUID } from 'node:crypto';
import { DeviceLocked } from '../../lambdas/common/errors';
import { findDevice } from '../../lambdas/config/load';
import { DeviceLocks } from '../../lambdas/state/device-locks';
import { memoryConditionalStore } from '../../lambdas/state/memory-store';
import type { RetryStepResult } from '../../lambdas/workflow/decide-retry';
import type { StepDeps } from '../../lambdas/workflow/deps';
import type { BackupExecutionInput, RunState } from '../../lambdas/workflow/run-state';
import { backupDefinitionFor } from '../../infra/local-definition';
import { BACKUP_STEPS } from './backup-steps';
import { describeFailure, localStepDeps, runLocalExecution, type LocalRunOverrides, type LocalStepOptions } from './local-execution';

export { followEvents } from './local-execution';

export interface LocalRunOptions extends LocalStepOptions {
  /** Devices to back up; all of the config's when empty. */
  deviceIds?: readonly string[];
  /** Tests shorten waits and retry intervals with these (aws-local-stepfunctions overrides, in ms). */
  overrides?: LocalRunOverrides;
  /** How many devices run at once. */
  concurrency?: number;
  /** Every event of every execution (aws-local-stepfunctions eventLogs: states entered and left, with their payloads). */
  onEvent?: (event: unknown) => void;
  /** The backup definition (backupDefinitionFor), when the caller already has it: it does not depend on the devices. */
  definition?: object;
  /**
   * The device locks every local run takes before its execution starts and releases when it ends:
   * one run per device at a time, also across processes with a file store (`run` keeps them under
   * `.backup-runner/state`). A device whose lock another run holds is not backed up: its result is
   * FAILED with DeviceLocked naming that run. @default a store in this process's memory
   */
  locks?: DeviceLocks;
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
      const executionName = uniqueManualExecutionName(id, deps.now());
      results.push(await runOne(definition, executionName, { deviceId: id, occurrence: null, trigger: 'manual' }, deps, options));
    }
  });
  await Promise.all(workers);
  return deviceIds.map((id) => results.find((r) => r.device === id)!);
}

/** Manual execution names this process has used: Step Functions refuses a name twice, the local runner must too. */
const issuedManualNames = new Set<string>();

/**
 * A manual execution name no earlier run of this process had. Names have whole seconds and the
 * run id (hence the archive key) derives from the name, so two runs of a device within one second
 * would write the same archive key: the later one takes the next free second instead.
 */
export function uniqueManualExecutionName(deviceId: string, at: Date): string {
  for (let offset = 0; ; offset += 1000) {
    const name = manualExecutionName(deviceId, new Date(at.getTime() + offset));
    if (!issuedManualNames.has(name)) {
      issuedManualNames.add(name);
      return name;
    }
  }
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
  return { definition: options.definition ?? backupDefinitionFor(options.config), deps: localStepDeps(options) };
}

/** Locks of runs that were given none: shared by every run of this process. */
const processLocks = new DeviceLocks(memoryConditionalStore());

async function runOne(
  definition: object,
  executionName: string,
  input: BackupExecutionInput,
  deps: StepDeps,
  options: Pick<LocalRunOptions, 'overrides' | 'onEvent' | 'locks'>,
): Promise<LocalRunResult> {
  const locks = options.locks ?? processLocks;
  const startTime = deps.now();
  // Execution names are unique per second only: the holder also names this run, so two runs
  // started in the same second still see each other.
  const holder = `${executionName} (local run ${randomUUID().slice(0, 8)}, pid ${process.pid})`;
  const until = new Date(startTime.getTime() + deps.config.workflow.timeoutHours * 3_600_000 + LOCK_MARGIN_MS);
  try {
    await locks.acquire(input.deviceId, holder, until);
  } catch (error) {
    if (!(error instanceof DeviceLocked)) throw error;
    return { device: input.deviceId, executionName, status: 'FAILED', error: error.name, cause: error.message, durationMs: 0 };
  }
  try {
    return await runLockedExecution(definition, executionName, input, deps, options, startTime);
  } finally {
    await locks.release(input.deviceId, holder).catch(() => undefined);
  }
}

/** Time a lock outlives its execution's timeout, so clocks a little apart never free it early. */
const LOCK_MARGIN_MS = 15 * 60_000;

async function runLockedExecution(
  definition: object,
  executionName: string,
  input: BackupExecutionInput,
  deps: StepDeps,
  options: Pick<LocalRunOptions, 'overrides' | 'onEvent'>,
  startTime: Date,
): Promise<LocalRunResult> {
  const deviceId = input.deviceId;
  let lastState: RunState | undefined;
  const result = runLocalExecution<RunState | RetryStepResult>({
    definition,
    stateMachineName: 'BackupRunner',
    executionName,
    startTime,
    input,
    steps: BACKUP_STEPS,
    deps,
    // Only run states carry the device-side handle; DecideRetry's result is not one.
    onStepResult: (state) => {
      if ('handle' in state) lastState = state;
    },
    overrides: options.overrides,
    onEvent: options.onEvent,
  });
  const base = { device: deviceId, executionName };
  try {
    const output = (await result) as RunState & {
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

