import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { ArchiveBucket } from './archive-bucket';
import {
  BACKUP_FUNCTION_SIZING,
  BACKUP_RETRIES,
  BACKUP_STATES,
  BACKUP_TASK_HANDLERS,
  type BackupTaskState,
} from './backup-workflow-policy';
import { grantPruneBackups } from './archive-prune-grants';
import { acknowledgeArchivePrefixGrant, acknowledgeErrorLevelStateMachineLog, acknowledgeStateMachineRole } from './nag';
import { stateMachineLogs } from './state-machine-logs';
import { PROJECT_ROOT, type FunctionPlacement } from './runner-function';
import { workflowFunction } from './workflow-function';


export interface BackupWorkflowProps {
  /** The validated runner config; embedded in every function bundle and the source of the secret grants. */
  readonly config: RunnerConfig;

  /** Where the transfer function writes backups; only under its prefix. */
  readonly archive: ArchiveBucket;

  /**
   * Folder of the Lambda entry points (`start-backup.ts`, `poll-backup.ts`, `transfer-backup.ts`,
   * `delete-device-copy.ts`, `prune-archive.ts`, each exporting `handler`).
   * @default '<repository>/lambdas/handlers'
   */
  readonly handlersDir?: string;

  /**
   * Retention of the functions' and the state machine's log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * VPC placement of the functions that talk to devices (config `network`; DeviceNetwork); the
   * archive-only and config-only functions stay outside any VPC.
   * @default - every function outside any VPC
   */
  readonly devicePlacement?: FunctionPlacement;
}

/**
 * The backup workflow: one Lambda per step and the Standard state machine that drives a single
 * device's backup: start, wait/poll until done, transfer into the archive, delete the device copy.
 */
export class BackupWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The functions by the Task state that runs them. */
  readonly functions: Readonly<Record<BackupTaskState, nodejs.NodejsFunction>>;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    const handlersDir = props.handlersDir ?? join(PROJECT_ROOT, 'lambdas', 'handlers');
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    // The prune function works on the archive only: it gets no device secrets.
    const makeFunction = (state: BackupTaskState, deviceFacing = true, reservedConcurrency?: number): nodejs.NodejsFunction =>
      workflowFunction(this, {
        config: props.config,
        name: state,
        handlersDir,
        handler: BACKUP_TASK_HANDLERS[state],
        sizing: BACKUP_FUNCTION_SIZING[state],
        logRetention: retention,
        archiveBucketName: props.archive.bucket.bucketName,
        deviceFacing,
        devicePlacement: props.devicePlacement,
        reservedConcurrency,
      });

    this.functions = {
      StartBackup: makeFunction(BACKUP_STATES.start),
      PollBackup: makeFunction(BACKUP_STATES.poll),
      TransferToArchive: makeFunction(BACKUP_STATES.transfer, true, props.config.workflow.transferReservedConcurrency),
      DeleteDeviceCopy: makeFunction(BACKUP_STATES.deleteDeviceCopy),
      PruneArchive: makeFunction(BACKUP_STATES.prune, false),
      // Decides from the config alone: no device secrets, no archive access.
      DecideRetry: makeFunction(BACKUP_STATES.decideRetry, false),
    };
    props.archive.grantWriteBackups(this.functions.TransferToArchive);
    // SSE-KMS only: the writer encrypts with the bucket's key, the pruner decrypts the manifests it reads.
    props.archive.grantEncryptBackups(this.functions.TransferToArchive);
    props.archive.grantDecryptBackups(this.functions.PruneArchive);
    grantPruneBackups(this.functions.PruneArchive, props.archive, props.config);
    for (const fn of [this.functions.TransferToArchive, this.functions.PruneArchive]) acknowledgeArchivePrefixGrant(fn, props.archive);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition()),
      timeout: workflowTimeout(props.config),
      logs: stateMachineLogs(this, { name: 'backup', config: props.config, retention }),
      tracingEnabled: true,
    });
    acknowledgeStateMachineRole(this.stateMachine, Object.values(this.functions));
    if ((props.config.workflow.stateMachineLogs?.level ?? 'ERROR') !== 'ALL') acknowledgeErrorLevelStateMachineLog(this.stateMachine);
  }

  private definition(): sfn.IChainable {
    const failed = new sfn.Fail(this, BACKUP_STATES.failed, {
      stateName: BACKUP_STATES.failed,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const succeeded = new sfn.Succeed(this, BACKUP_STATES.succeeded, { stateName: BACKUP_STATES.succeeded });

    const invoke = (state: BackupTaskState, payload?: sfn.TaskInput, resultPath?: string): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, state, {
        stateName: state,
        lambdaFunction: this.functions[state],
        payloadResponseOnly: true,
        // Without a payload, Lambda receives the whole state: the RunState.
        ...(payload ? { payload } : {}),
        ...(resultPath ? { resultPath } : {}),
        // The result replaces the state. No explicit `resultPath: '$'`: the ASL default does the
        // same in AWS, and aws-local-stepfunctions 3.0.0 mishandles an explicit "$" (it stores
        // the result under a key named "$" instead of replacing the input).
      });
      for (const rule of BACKUP_RETRIES[state]) {
        task.addRetry({
          errors: [...rule.errors],
          interval: Duration.seconds(rule.intervalSeconds),
          backoffRate: rule.backoffRate,
          maxAttempts: rule.maxAttempts,
        });
      }
      return task;
    };

    // Per-device re-runs (devices[].retry): a failed start, poll or transfer goes to DecideRetry,
    // a pure decision on the error name, the attempt and the device's retry settings. A re-run
    // waits retry.delayMinutes, then starts over from StartBackup with the execution's input and
    // the next attempt number (PrepareRerun makes that the whole state again). If DecideRetry
    // itself fails, the run fails with the original error, still at $.error.
    const decideRetry = invoke(
      BACKUP_STATES.decideRetry,
      sfn.TaskInput.fromObject({
        state: sfn.JsonPath.entirePayload,
        input: sfn.JsonPath.stringAt('$$.Execution.Input'),
        executionStartTime: sfn.JsonPath.executionStartTime,
      }),
      '$.retry',
    ).addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.retryError' });
    const waitBeforeRerun = new sfn.Wait(this, BACKUP_STATES.waitBeforeRerun, {
      stateName: BACKUP_STATES.waitBeforeRerun,
      time: sfn.WaitTime.secondsPath('$.retry.waitSeconds'),
    });
    const prepareRerun = new sfn.Pass(this, BACKUP_STATES.prepareRerun, {
      stateName: BACKUP_STATES.prepareRerun,
      inputPath: '$.retry.next',
    });
    const shouldRerun = new sfn.Choice(this, BACKUP_STATES.shouldRerun, { stateName: BACKUP_STATES.shouldRerun })
      .when(sfn.Condition.stringEquals('$.retry.decision', 'rerun'), waitBeforeRerun)
      .otherwise(failed);
    decideRetry.next(shouldRerun);

    const start = invoke(
      BACKUP_STATES.start,
      sfn.TaskInput.fromObject({
        input: sfn.JsonPath.entirePayload,
        executionName: sfn.JsonPath.executionName,
        executionStartTime: sfn.JsonPath.executionStartTime,
      }),
    ).addCatch(decideRetry, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    waitBeforeRerun.next(prepareRerun).next(start);

    const wait = new sfn.Wait(this, BACKUP_STATES.wait, {
      stateName: BACKUP_STATES.wait,
      time: sfn.WaitTime.secondsPath('$.poll.waitSeconds'),
    });
    const poll = invoke(BACKUP_STATES.poll).addCatch(decideRetry, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const transfer = invoke(BACKUP_STATES.transfer).addCatch(decideRetry, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    // Retention runs last, after the device copy is dealt with either way. The backup is
    // committed by then, so a failed prune is recorded in the output ($.pruneError) and the
    // run still succeeds; the next run's prune plans again.
    const recordPruneFailure = new sfn.Pass(this, BACKUP_STATES.recordPruneFailure, {
      stateName: BACKUP_STATES.recordPruneFailure,
    }).next(succeeded);
    const prune = invoke(BACKUP_STATES.prune)
      .addCatch(recordPruneFailure, { errors: [sfn.Errors.ALL], resultPath: '$.pruneError' })
      .next(succeeded);

    // The archive is committed before this step, so a failed device-side delete is recorded
    // in the output (and the error log) but does not fail the backup.
    const recordCleanupFailure = new sfn.Pass(this, BACKUP_STATES.recordCleanupFailure, {
      stateName: BACKUP_STATES.recordCleanupFailure,
    }).next(prune);
    const deleteDeviceCopy = invoke(BACKUP_STATES.deleteDeviceCopy)
      .addCatch(recordCleanupFailure, { errors: [sfn.Errors.ALL], resultPath: '$.cleanupError' })
      .next(prune);

    // A transfer that outlives one invocation returns a continuation in $.transfer and runs again
    // on the same multipart upload; IsPresent first, because a Choice on a missing path fails.
    const isTransferDone = new sfn.Choice(this, BACKUP_STATES.isTransferDone, { stateName: BACKUP_STATES.isTransferDone })
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.transfer'), sfn.Condition.stringEquals('$.transfer.status', 'continue')), transfer)
      .otherwise(deleteDeviceCopy);
    const isDone = new sfn.Choice(this, BACKUP_STATES.isDone, { stateName: BACKUP_STATES.isDone })
      .when(sfn.Condition.stringEquals('$.status', 'completed'), transfer.next(isTransferDone))
      .otherwise(wait);

    return start.next(wait).next(poll).next(isDone);
  }
}

/** The execution limit from `workflow.timeoutHours`, in whole seconds (Step Functions' unit). */
export function workflowTimeout(config: RunnerConfig): Duration {
  return Duration.seconds(Math.ceil(config.workflow.timeoutHours * 3600));
}
