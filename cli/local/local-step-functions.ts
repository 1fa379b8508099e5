import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ListExecutionsCommandOutput,
  type StartExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { sfnBackupExecutions, type SfnLike } from '../../lambdas/dispatcher/sfn-executions';
import type { BackupExecutions } from '../../lambdas/dispatcher/ports';
import type { BackupExecutionInput } from '../../lambdas/workflow/run-state';

export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface LocalExecution<R> {
  readonly name: string;
  readonly executionArn: string;
  readonly input: BackupExecutionInput;
  /** The input exactly as StartExecution got it: Step Functions compares this text for idempotency. */
  readonly inputText: string;
  readonly startDate: Date;
  status: LocalExecutionStatus;
  /** What the runner returned, once finished. */
  result?: R;
}

/**
 * What a StartExecution call came to. `started`: a new execution; `existing`: Step Functions'
 * idempotent answer (same name and input, still running: the existing execution, no error);
 * `already-exists`: ExecutionAlreadyExists; `failed`: an injected fault.
 */
export type StartOutcome = 'started' | 'existing' | 'already-exists' | 'failed';

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
  /**
   * ListExecutions is eventually consistent in AWS: a new execution may be missing from it for a
   * while. Here a new execution is left out of this many ListExecutions calls. @default 0
   */
  readonly listLag?: number;
}

/** The state machine the stand-in plays. */
export const LOCAL_BACKUP_STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:BackupRunner';

/**
 * A stand-in for the Step Functions API of the backup state machine, in this process: what the
 * dispatcher talks to (through the production adapter, `backupExecutions()`) in local runs and
 * tests. It answers the three calls the adapter makes as AWS does for a Standard workflow:
 * - StartExecution of a new name starts it; of a name that is still RUNNING with the same input,
 *   it returns that execution (AWS's idempotent answer, not an error); of a name that is closed,
 *   or running with another input, it throws ExecutionAlreadyExists. Names are kept for ever
 *   (AWS: 90 days).
 * - ListExecutions with statusFilter RUNNING lists running executions (after `listLag` lists).
 * - DescribeExecution returns an execution's input and status.
 */
export class LocalStepFunctions<R = unknown> {
  readonly executions = new Map<string, LocalExecution<R>>();
  /** Every StartExecution call, in order, including refused and failed ones. */
  readonly startCalls: { name: string; outcome: StartOutcome }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** ListExecutions calls each execution has still to miss (listLag). */
  private readonly unlisted = new Map<string, number>();

  constructor(private readonly options: LocalStepFunctionsOptions<R> = {}) {}

  /** The dispatcher's port, bound to this stand-in by the same adapter the Lambda uses. */
  backupExecutions(): BackupExecutions {
    // The adapter calls only `send` with the three commands this class answers (see `send`).
    return sfnBackupExecutions(this as unknown as SfnLike, LOCAL_BACKUP_STATE_MACHINE_ARN);
  }

  /** The SDK client's `send` for StartExecution, ListExecutions and DescribeExecution. */
  async send(command: StartExecutionCommand): Promise<StartExecutionCommandOutput>;
  async send(command: ListExecutionsCommand): Promise<ListExecutionsCommandOutput>;
  async send(command: DescribeExecutionCommand): Promise<DescribeExecutionCommandOutput>;
  async send(command: unknown): Promise<StartExecutionCommandOutput | ListExecutionsCommandOutput | DescribeExecutionCommandOutput> {
    if (command instanceof StartExecutionCommand) return this.startExecution(command.input);
    if (command instanceof ListExecutionsCommand) return this.listExecutions(command.input);
    if (command instanceof DescribeExecutionCommand) return this.describeExecution(command.input.executionArn);
    throw new Error(`the local Step Functions stand-in does not answer ${(command as { constructor?: { name?: string } })?.constructor?.name ?? 'this command'}`);
  }

  /** Ends an execution started without a runner. */
  finish(name: string, status: Exclude<LocalExecutionStatus, 'RUNNING'> = 'SUCCEEDED'): void {
    const execution = this.executions.get(name);
    if (!execution) throw new Error(`no execution named ${name}`);
    execution.status = status;
  }

  /** Starts an execution directly, as an operator's `start-execution` would (not through the dispatcher). */
  startManually(name: string, input: BackupExecutionInput): void {
    this.create(name, input, JSON.stringify(input));
  }

  /** Resolves once every execution that has a runner has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private startExecution(request: StartExecutionCommand['input']): StartExecutionCommandOutput {
    const name = request.name ?? '';
    const inputText = request.input ?? '{}';
    const input = JSON.parse(inputText) as BackupExecutionInput;
    this.checkArn(request.stateMachineArn);
    const fault = this.options.failStart?.(name, input);
    if (fault) {
      this.startCalls.push({ name, outcome: 'failed' });
      throw fault;
    }
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.inputText === inputText) {
        this.startCalls.push({ name, outcome: 'existing' });
        return { executionArn: existing.executionArn, startDate: existing.startDate, $metadata: {} };
      }
      this.startCalls.push({ name, outcome: 'already-exists' });
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${existing.executionArn}'`, $metadata: { httpStatusCode: 400 } });
    }
    const execution = this.create(name, input, inputText);
    this.startCalls.push({ name, outcome: 'started' });
    const run = this.options.run;
    if (run) {
      const done: Promise<void> = run(name, structuredClone(input))
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
    return { executionArn: execution.executionArn, startDate: execution.startDate, $metadata: {} };
  }

  private listExecutions(request: ListExecutionsCommand['input']): ListExecutionsCommandOutput {
    this.checkArn(request.stateMachineArn);
    const listed: LocalExecution<R>[] = [];
    for (const execution of this.executions.values()) {
      const misses = this.unlisted.get(execution.name) ?? 0;
      if (misses > 0) {
        this.unlisted.set(execution.name, misses - 1);
        continue;
      }
      if (!request.statusFilter || execution.status === request.statusFilter) listed.push(execution);
    }
    return {
      executions: listed.map((e) => ({ name: e.name, executionArn: e.executionArn, stateMachineArn: LOCAL_BACKUP_STATE_MACHINE_ARN, status: e.status, startDate: e.startDate })),
      $metadata: {},
    };
  }

  private describeExecution(executionArn: string | undefined): DescribeExecutionCommandOutput {
    const execution = [...this.executions.values()].find((e) => e.executionArn === executionArn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${executionArn}'`, $metadata: { httpStatusCode: 400 } });
    return {
      executionArn: execution.executionArn,
      stateMachineArn: LOCAL_BACKUP_STATE_MACHINE_ARN,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      input: execution.inputText,
      $metadata: {},
    };
  }

  private create(name: string, input: BackupExecutionInput, inputText: string): LocalExecution<R> {
    const execution: LocalExecution<R> = {
      name,
      executionArn: `${LOCAL_BACKUP_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      input: structuredClone(input),
      inputText,
      startDate: new Date(),
      status: 'RUNNING',
    };
    this.executions.set(name, execution);
    if (this.options.listLag) this.unlisted.set(name, this.options.listLag);
    return execution;
  }

  private checkArn(arn: string | undefined): void {
    if (arn !== LOCAL_BACKUP_STATE_MACHINE_ARN) throw new Error(`the local Step Functions stand-in plays ${LOCAL_BACKUP_STATE_MACHINE_ARN}, not ${arn}`);
  }
}
