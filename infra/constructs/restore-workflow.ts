import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { ArchiveBucket } from './archive-bucket';
import { acknowledgeArchivePrefixGrant, acknowledgeErrorLevelStateMachineLog, acknowledgeStateMachineRole } from './nag';
import { PROJECT_ROOT, type FunctionPlacement } from './runner-function';
import { stateMachineLogs } from './state-machine-logs';
import { workflowFunction } from './workflow-function';
import {
  RESTORE_FUNCTION_HANDLERS,
  RESTORE_FUNCTION_SIZING,
  RESTORE_RETRIES,
  RESTORE_STATES,
  RESTORE_TASK_FUNCTIONS,
  RESTORE_TIMEOUT_HOURS,
  type RestoreFunction,
  type RestoreTaskState,
} from './restore-workflow-policy';


export interface RestoreWorkflowProps {
  /** The validated runner config; embedded in every function bundle and the source of the secret grants. */
  readonly config: RunnerConfig;

  /** The archive restores read from; only under its prefix, never written. */
  readonly archive: ArchiveBucket;

  /**
   * Folder of the Lambda entry points (`restore-*.ts`, each exporting `handler`).
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
 * The restore workflow: a Standard state machine that brings one archived backup back onto a
 * device: choose it, check it against the device, thaw it from GLACIER / DEEP_ARCHIVE (Wait
 * states between HeadObject checks: hours of waiting cost a few transitions and no Lambda time),
 * stream it to the device, start the restore, follow it through the reboot, remove the upload.
 */
export class RestoreWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The functions by name (RemoveUploadedAfterFailure runs RemoveUploadedCopy's). */
  readonly functions: Readonly<Record<RestoreFunction, nodejs.NodejsFunction>>;

  constructor(scope: Construct, id: string, props: RestoreWorkflowProps) {
    super(scope, id);
    const handlersDir = props.handlersDir ?? join(PROJECT_ROOT, 'lambdas', 'handlers');
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    const makeFunction = (name: RestoreFunction, deviceFacing: boolean, reservedConcurrency?: number): nodejs.NodejsFunction =>
      workflowFunction(this, {
        config: props.config,
        name,
        handlersDir,
        handler: RESTORE_FUNCTION_HANDLERS[name],
        sizing: RESTORE_FUNCTION_SIZING[name],
        logRetention: retention,
        archiveBucketName: props.archive.bucket.bucketName,
        deviceFacing,
        devicePlacement: props.devicePlacement,
        reservedConcurrency,
      });

    this.functions = {
      // Archive only: no device secrets.
      ChooseBackup: makeFunction(RESTORE_STATES.choose, false),
      RequestThaw: makeFunction(RESTORE_STATES.requestThaw, false),
      CheckThaw: makeFunction(RESTORE_STATES.checkThaw, false),
      // Device only: no archive access.
      CheckCompatibility: makeFunction(RESTORE_STATES.check, true),
      StartRestore: makeFunction(RESTORE_STATES.start, true),
      PollRestore: makeFunction(RESTORE_STATES.poll, true),
      RemoveUploadedCopy: makeFunction(RESTORE_STATES.remove, true),
      // Both: reads the archive, writes to the device.
      UploadToDevice: makeFunction(RESTORE_STATES.upload, true, props.config.workflow.transferReservedConcurrency),
    };
    const prefix = props.archive.prefix;
    const objects = props.archive.bucket.arnForObjects(`${prefix}*`);
    // HeadObject authorises as GetObject; a versioned read (the manifest's versionId) as GetObjectVersion.
    const read = new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objects] });
    this.functions.ChooseBackup.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.archive.bucket.bucketArn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      }),
    );
    for (const fn of [this.functions.ChooseBackup, this.functions.CheckThaw, this.functions.UploadToDevice]) fn.addToRolePolicy(read);
    this.functions.RequestThaw.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:RestoreObject', 's3:GetObject', 's3:GetObjectVersion'], resources: [objects] }));
    // SSE-KMS only: manifests and backups are decrypted where they are read.
    props.archive.grantDecryptBackups(this.functions.ChooseBackup);
    props.archive.grantDecryptBackups(this.functions.UploadToDevice);
    for (const fn of [this.functions.ChooseBackup, this.functions.RequestThaw, this.functions.CheckThaw, this.functions.UploadToDevice]) acknowledgeArchivePrefixGrant(fn, props.archive);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition()),
      timeout: Duration.hours(RESTORE_TIMEOUT_HOURS),
      logs: stateMachineLogs(this, { name: 'restore', config: props.config, retention }),
      tracingEnabled: true,
    });
    acknowledgeStateMachineRole(this.stateMachine, Object.values(this.functions));
    if ((props.config.workflow.stateMachineLogs?.level ?? 'ERROR') !== 'ALL') acknowledgeErrorLevelStateMachineLog(this.stateMachine);
  }

  private definition(): sfn.IChainable {
    const failed = new sfn.Fail(this, RESTORE_STATES.failed, { stateName: RESTORE_STATES.failed, errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const succeeded = new sfn.Succeed(this, RESTORE_STATES.succeeded, { stateName: RESTORE_STATES.succeeded });
    const catchAll = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

    const invoke = (state: RestoreTaskState, payload?: sfn.TaskInput): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, state, {
        stateName: state,
        lambdaFunction: this.functions[RESTORE_TASK_FUNCTIONS[state]],
        payloadResponseOnly: true,
        // No explicit resultPath '$' (aws-local-stepfunctions 3.0.0 mishandles it; see BackupWorkflow).
        ...(payload ? { payload } : {}),
      });
      for (const rule of RESTORE_RETRIES[state]) {
        task.addRetry({ errors: [...rule.errors], interval: Duration.seconds(rule.intervalSeconds), backoffRate: rule.backoffRate, maxAttempts: rule.maxAttempts });
      }
      return task;
    };

    // After the upload every failure passes through the removal of the uploaded copy; the
    // original error stays in $.error for RestoreFailed, a failed removal is kept beside it.
    const removeAfterFailure = invoke(RESTORE_STATES.removeAfterFailure)
      .addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.removeError' })
      .next(failed);

    const choose = invoke(
      RESTORE_STATES.choose,
      sfn.TaskInput.fromObject({
        input: sfn.JsonPath.entirePayload,
        executionName: sfn.JsonPath.executionName,
        executionStartTime: sfn.JsonPath.executionStartTime,
      }),
    ).addCatch(failed, catchAll);
    const check = invoke(RESTORE_STATES.check).addCatch(failed, catchAll);
    const requestThaw = invoke(RESTORE_STATES.requestThaw).addCatch(failed, catchAll);
    const waitThaw = new sfn.Wait(this, RESTORE_STATES.waitThaw, { stateName: RESTORE_STATES.waitThaw, time: sfn.WaitTime.secondsPath('$.thaw.waitSeconds') });
    const checkThaw = invoke(RESTORE_STATES.checkThaw).addCatch(failed, catchAll);
    const upload = invoke(RESTORE_STATES.upload).addCatch(failed, catchAll);
    const start = invoke(RESTORE_STATES.start).addCatch(removeAfterFailure, catchAll);
    const waitRestore = new sfn.Wait(this, RESTORE_STATES.waitRestore, { stateName: RESTORE_STATES.waitRestore, time: sfn.WaitTime.secondsPath('$.poll.waitSeconds') });
    const poll = invoke(RESTORE_STATES.poll).addCatch(removeAfterFailure, catchAll);

    // The restore has succeeded by now: a failed removal is reported ($.removeError), not a failure.
    const recordRemoveFailure = new sfn.Pass(this, RESTORE_STATES.recordRemoveFailure, { stateName: RESTORE_STATES.recordRemoveFailure }).next(succeeded);
    const remove = invoke(RESTORE_STATES.remove)
      .addCatch(recordRemoveFailure, { errors: [sfn.Errors.ALL], resultPath: '$.removeError' })
      .next(succeeded);

    const isDone = new sfn.Choice(this, RESTORE_STATES.isDone, { stateName: RESTORE_STATES.isDone })
      .when(sfn.Condition.stringEquals('$.status', 'completed'), remove)
      .otherwise(waitRestore);
    const isThawed = new sfn.Choice(this, RESTORE_STATES.isThawed, { stateName: RESTORE_STATES.isThawed })
      .when(sfn.Condition.stringEquals('$.thaw.status', 'needed'), requestThaw)
      .when(sfn.Condition.stringEquals('$.thaw.status', 'in-progress'), waitThaw)
      .otherwise(upload);
    requestThaw.next(isThawed);
    waitThaw.next(checkThaw).next(isThawed);
    upload.next(start).next(waitRestore).next(poll).next(isDone);

    const isDryRun = new sfn.Choice(this, RESTORE_STATES.isDryRun, { stateName: RESTORE_STATES.isDryRun })
      .when(sfn.Condition.booleanEquals('$.dryRun', true), new sfn.Succeed(this, RESTORE_STATES.dryRunDone, { stateName: RESTORE_STATES.dryRunDone }))
      .otherwise(isThawed);
    return choose.next(check).next(isDryRun);
  }
}
