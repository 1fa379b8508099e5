import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { ArchiveBucket, archiveStorageProps } from '../constructs/archive-bucket';
import { BackupWorkflow } from '../constructs/backup-workflow';
import { RestoreWorkflow } from '../constructs/restore-workflow';
import { hasSchedules, Scheduler } from '../constructs/scheduler';

export interface BackupRunnerStackProps extends StackProps {
  /** The validated runner config (lambdas/config/load.ts). */
  readonly config: RunnerConfig;

  /**
   * Folder of the Lambda entry points.
   * @default '<repository>/lambdas/handlers'
   */
  readonly handlersDir?: string;

  /**
   * Retention of the runner's log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The runner's stack: composition only; each concern lives in its construct. */
export class BackupRunnerStack extends Stack {
  readonly archive: ArchiveBucket;
  readonly backup: BackupWorkflow;
  readonly restore: RestoreWorkflow;
  /** Present when any device has a schedule. */
  readonly scheduler: Scheduler | undefined;

  constructor(scope: Construct, id: string, props: BackupRunnerStackProps) {
    super(scope, id, props);
    this.archive = new ArchiveBucket(this, 'Archive', {
      ...(props.config.archive.bucket !== undefined ? { bucketName: props.config.archive.bucket } : {}),
      prefix: props.config.archive.prefix,
      ...archiveStorageProps(props.config),
    });
    this.backup = new BackupWorkflow(this, 'BackupWorkflow', {
      config: props.config,
      archive: this.archive,
      ...(props.handlersDir !== undefined ? { handlersDir: props.handlersDir } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });

    this.restore = new RestoreWorkflow(this, 'RestoreWorkflow', {
      config: props.config,
      archive: this.archive,
      ...(props.handlersDir !== undefined ? { handlersDir: props.handlersDir } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });

    this.scheduler = hasSchedules(props.config)
      ? new Scheduler(this, 'Scheduler', {
          config: props.config,
          stateMachine: this.backup.stateMachine,
          archive: this.archive,
          ...(props.handlersDir !== undefined ? { handlersDir: props.handlersDir } : {}),
          ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
        })
      : undefined;

    new CfnOutput(this, 'ArchiveBucketName', {
      description: 'S3 bucket holding the backups',
      value: this.archive.bucket.bucketName,
    });
    new CfnOutput(this, 'BackupStateMachineArn', {
      description: 'State machine that backs up one device per execution',
      value: this.backup.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'RestoreStateMachineArn', {
      description: 'State machine that restores one archived backup onto a device per execution',
      value: this.restore.stateMachine.stateMachineArn,
    });
  }
}
