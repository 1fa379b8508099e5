import { Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { AccessLogsBucket } from '../constructs/access-logs-bucket';
import { ArchiveBucket, archiveStorageProps } from '../constructs/archive-bucket';
import { BackupWorkflow } from '../constructs/backup-workflow';
import { allowLogsToUse, LogGroupsEncryption } from '../constructs/log-encryption';
import { DeviceNetwork } from '../constructs/network';
import { RestoreWorkflow } from '../constructs/restore-workflow';
import { hasSchedules, Scheduler } from '../constructs/scheduler';
import { Monitoring } from '../constructs/monitoring';

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
  /** Present with config `network`: the VPC placement of the device-facing Lambdas. */
  readonly network: DeviceNetwork | undefined;
  /** Events, metrics, alarms, dashboard. */
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: BackupRunnerStackProps) {
    super(scope, id, props);
    // S3 log delivery is granted by a bucket policy, not the legacy LogDeliveryWrite ACL (set before any child exists).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.archive = new ArchiveBucket(this, 'Archive', {
      ...(props.config.archive.bucket !== undefined ? { bucketName: props.config.archive.bucket } : {}),
      prefix: props.config.archive.prefix,
      ...archiveStorageProps(props.config),
      serverAccessLogsBucket: new AccessLogsBucket(this, 'ServerAccessLogs').bucket,
    });
    if (this.archive.encryptionKey) {
      Aspects.of(this).add(new LogGroupsEncryption(this.archive.encryptionKey));
      if (this.archive.encryptionKey instanceof kms.Key) allowLogsToUse(this.archive.encryptionKey);
    }
    this.network = props.config.network ? new DeviceNetwork(this, 'Network', { network: props.config.network, devices: props.config.devices }) : undefined;
    const devicePlacement = this.network ? { devicePlacement: this.network.placement } : {};
    this.backup = new BackupWorkflow(this, 'BackupWorkflow', {
      config: props.config,
      archive: this.archive,
      ...devicePlacement,
      ...(props.handlersDir !== undefined ? { handlersDir: props.handlersDir } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });

    this.restore = new RestoreWorkflow(this, 'RestoreWorkflow', {
      config: props.config,
      archive: this.archive,
      ...devicePlacement,
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

    this.monitoring = new Monitoring(this, 'Monitoring', {
      config: props.config,
      archive: this.archive,
      backupStateMachine: this.backup.stateMachine,
      restoreStateMachine: this.restore.stateMachine,
      ...(this.scheduler ? { dispatcher: this.scheduler.dispatcher } : {}),
      pruner: this.backup.functions.PruneArchive,
      ...(props.handlersDir !== undefined ? { handlersDir: props.handlersDir } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    // The CLI's commands against a deployed stack find everything from these outputs.
    // CloudFormation refuses an empty output value: no output means no prefix.
    if (props.config.archive.prefix) new CfnOutput(this, 'ArchivePrefix', { description: 'Key prefix of the backups in the archive bucket', value: props.config.archive.prefix });
    new CfnOutput(this, 'AlertsTopicArn', { description: 'SNS topic of the alarms and restore events', value: this.monitoring.alerts.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { description: 'CloudWatch dashboard of the backups', value: this.monitoring.dashboard.dashboard.dashboardName });
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
