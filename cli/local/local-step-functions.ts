import type { BackupExecutions, RunningExecution } from '../../lambdas/dispatcher/ports';
import type { BackupExecutionInput } from '../../lambdas/workflow/run-state';

export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface LocalExecution<R> {
  readonly name: string;
  readonly input: BackupExecutionInput;
  status: LocalExecutionStatus;
  /** What the runner returned, once finished. */
  result?: R;
}

export interface LocalStepFunctionsOptions<R> {
  /**
   * Runs one execution (e.g. `localExecutionRunner(...)` from run-backups.ts: the synthesized
   * state machine with the real steps). Without it executions stay RUNNING until `finish`.
   */
  readonly run?: (name: string, input: BackupExecutionInput) => Promise<R>;
  /** Whether a result counts as SUCCEEDED. @default every result */
  readonly succeeded?: (result: R) => boolean;
  /** Fault injection: an error to throw from StartExecution instead of starting. */
  readonly failStart?: (name: string, input: BackupExecutionInput) => Error | undefined;
}

/**
 * A stand-in for the backup state machine's Step Functions API, in this process: what the
 * dispatcher talks to in local runs and tests. Like Step Functions, it keeps every name it has
 * seen and refuses to start one twice ('already-started'), and lists RUNNING executions with
 * the device from their input.
 */
export class LocalStepFunctions<R = unknown> implements BackupExecutions {
  readonly executions = new Map<string, LocalExecution<R>>();
  /** Every StartExecution call, in order, including refused and failed ones. */
  readonly startCalls: { name: string; outcome: 'started' | 'already-started' | 'failed' }[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: LocalStepFunctionsOptions<R> = {}) {}

  async listRunning(): Promise<RunningExecution[]> {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING').map((e) => ({ name: e.name, deviceId: e.input.deviceId }));
  }

  async start(name: string, input: BackupExecutionInput): Promise<'started' | 'already-started'> {
    const fault = this.options.failStart?.(name, input);
    if (fault) {
      this.startCalls.push({ name, outcome: 'failed' });
      throw fault;
    }
    if (this.executions.has(name)) {
      this.startCalls.push({ name, outcome: 'already-started' });
      return 'already-started';
    }
    const execution: LocalExecution<R> = { name, input: structuredClone(input), status: 'RUNNING' };
    this.executions.set(name, execution);
    this.startCalls.push({ name, outcome: 'started' });
    const run = this.options.run;
    if (run) {
      const done: Promise<void> = run(name, input)
        .then((result) => {
          execution.result = result;
          execution.status = (this.options.succeeded ?? (() => true))(result) ? 'SUCCEEDED' : 'FAILED';
        })
        .catch(() => {
          execution.status = 'FAILED';
        })
        .finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    }
    return 'started';
  }

  /** Ends an execution started without a runner. */
  finish(name: string, status: Exclude<LocalExecutionStatus, 'RUNNING'> = 'SUCCEEDED'): void {
    const execution = this.executions.get(name);
    if (!execution) throw new Error(`no execution named ${name}`);
    execution.status = status;
  }

  /** Starts an execution directly, as an operator's `start-execution` would (not through the dispatcher). */
  startManually(name: string, input: BackupExecutionInput): void {
    this.executions.set(name, { name, input, status: 'RUNNING' });
  }

  /** Resolves once every execution that has a runner has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
