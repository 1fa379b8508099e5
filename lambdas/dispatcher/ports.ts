import type { BackupExecutionInput } from '../workflow/run-state';
import type { DispatcherState } from './state';

/**
 * What the dispatcher needs from the outside world. The Lambda binds these to Step Functions,
 * S3 and EventBridge (sfn-executions.ts, s3-state-store.ts, eventbridge-sink.ts); tests and local
 * runs bind them to in-memory or in-process stand-ins.
 */

/** A running execution of the backup state machine, and the device it backs up when known. */
export interface RunningExecution {
  readonly name: string;
  /** From the execution's name or input; undefined when neither names a device. */
  readonly deviceId: string | undefined;
}

/** The backup state machine, as the dispatcher uses it. */
export interface BackupExecutions {
  /** Every RUNNING execution. */
  listRunning(): Promise<RunningExecution[]>;
  /**
   * Starts an execution. 'already-started' when one of that name exists (Step Functions keeps
   * names for 90 days and refuses a second start with ExecutionAlreadyExists): the occurrence was
   * dispatched before. Step Functions answers a start with the same name and the same input while
   * that execution runs with success (idempotency): 'started', which is why each tick's input differs.
   */
  start(name: string, input: BackupExecutionInput): Promise<'started' | 'already-started'>;
}

/** Where the dispatcher state lives. `token` is an opaque version for optimistic concurrency. */
export interface DispatcherStateStore {
  load(): Promise<{ state: DispatcherState | undefined; token: string | undefined; problem?: string }>;
  /** Throws DispatcherStateConflict when the stored state is no longer the version `token` names. */
  save(state: DispatcherState, token: string | undefined): Promise<void>;
}

/** EventBridge detail of a `Backup Skipped` event (source `backup-runner`). */
export interface BackupSkippedDetail {
  deviceId: string;
  /** ISO-8601 UTC; null when the schedule itself is unusable. */
  occurrence: string | null;
  reason: 'running' | 'too-late' | 'superseded' | 'invalid';
  /** Readable detail, naming the device and the problem. */
  message: string;
  executionName?: string;
}

export interface SkipEventSink {
  /** Publishes the events; resolves to the number that could not be published. */
  publish(events: readonly BackupSkippedDetail[]): Promise<number>;
}
