import { join } from 'node:path';
import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../lambdas/monitoring/events';
import { METRIC_NAMESPACE, METRIC_SERVICE, METRICS } from '../../lambdas/monitoring/metric-plan';
import { smallestThresholdBelow } from '../../lambdas/monitoring/schedule-interval';
import type { ArchiveBucket } from './archive-bucket';
import { DeviceHealthTable } from './fleet-health';
import { acknowledgeExecutionsGrant } from './nag';
import { PROJECT_ROOT, RunnerFunction } from './runner-function';

/**
 * Observability of the deployed runner, one construct per concern: the alerts topic, the
 * execution reporter (runner events + metrics for every finished execution, failed ones too, and
 * each device's latest outcome in the health table), the fleet health check (backup ages, stale
 * and failing device counts, notices naming the devices), the fleet-level alarms and the
 * dashboard. Nothing here is per device: the template is the same size for 1 or 50,000 devices. Silent failure is the thing to catch: a device whose backups stopped, a
 * dispatcher that no longer ticks, a reporter that no longer reports.
 */

/**
 * Where the on-call reader finds what to do: a stable path in the repository (docs/operations.md has
 * one heading per alarm kind; test/docs/alarm-runbooks.spec.ts checks every description's link resolves).
 */
export const runbook = (alarmKind: string): string => ` Runbook: docs/operations.md#${alarmKind}`;

/** The metric every runner metric is, with Powertools' `service` dimension (and `deviceId` when per device). */
export function runnerMetric(metricName: string, options: { deviceId?: string; statistic: string; period: Duration }): cw.Metric {
  return new cw.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICE, ...(options.deviceId ? { deviceId: options.deviceId } : {}) },
    statistic: options.statistic,
    period: options.period,
  });
}

export interface AlertTopicProps {
  /** E-mail addresses subscribed to the topic (config `alerts.email`); each must confirm. @default - none */
  readonly emails?: readonly string[];
  /** Where SNS puts notifications it could not deliver to a subscription. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The SNS topic alarms and restore events go to: encrypted with its own key (CloudWatch and
 * EventBridge cannot publish to a topic under the AWS-managed SNS key), TLS-only publishing.
 *
 * Alarms that cannot be faked: CloudWatch and EventBridge are allowed to publish (and to use the
 * key) only for this stack's alarms and rules, by `aws:SourceArn` and `aws:SourceAccount`. Without
 * them, any alarm or rule in any account that learns the topic's ARN could send "OK" notes that
 * hide a real alarm, or flood it. Alarm names all start with `<stack name>-`
 * (`alarmArnPattern`); rules that publish are added with `publishFrom`, which allows exactly that
 * rule's ARN on the topic, and the `<stack name>-`-named rules on the key (the key's policy cannot
 * name a rule's ARN: the rule refers to the topic, which refers to the key).
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', { description: 'Encrypts the backup-runner alerts topic', enableKeyRotation: true });
    const sources: Record<string, string> = {
      'cloudwatch.amazonaws.com': alarmArnPattern(stack),
      'events.amazonaws.com': Arn.format({ service: 'events', resource: 'rule', resourceName: `${stackNamePrefix(stack)}-*` }, stack),
    };
    for (const [service, sourceArn] of Object.entries(sources)) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': sourceArn } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Backup Runner alerts', masterKey: this.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ThisStacksAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': alarmArnPattern(stack) } },
      }),
    );
    for (const email of props.emails ?? []) this.topic.addSubscription(new subs.EmailSubscription(email, { deadLetterQueue: props.deadLetterQueue }));
  }

  /** An EventBridge target that publishes to the topic, allowed on the topic for `rule` alone. */
  publishFrom(options: { readonly deadLetterQueue: sqs.IQueue }): events.IRuleTarget {
    const topic = this.topic;
    return {
      bind(rule: events.IRuleRef): events.RuleTargetConfig {
        const stack = Stack.of(rule);
        topic.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [topic.topicArn],
            conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
          }),
        );
        targets.addToDeadLetterQueueResourcePolicy(rule, options.deadLetterQueue);
        return { ...targets.bindBaseTargetConfig({ deadLetterQueue: options.deadLetterQueue }), arn: topic.topicArn, targetResource: topic };
      },
    };
  }
}

/** What every alarm and topic-publishing rule name of the stack starts with (rule names are at most 64 characters). */
export function stackNamePrefix(stack: Stack): string {
  return stack.stackName.slice(0, 40);
}

/** The ARNs of this stack's alarms: every alarm is named `<stack name>-...`. */
export function alarmArnPattern(stack: Stack): string {
  return Arn.format({ service: 'cloudwatch', resource: 'alarm', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
}

/**
 * Where EventBridge puts events it could not deliver (and the reporter's failed async
 * invocations): kept 14 days, with an alarm when anything lands there.
 */
export class UndeliveredEventsQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', { retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the monitoring rules and the reporter; an alarm watches it.',
    });
    Validations.of(this.queue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is the dead-letter queue: nothing consumes it to fail again, an operator reads it (the UndeliveredEvents alarm).',
    });
    // EventBridge's DLQ delivery needs the queue policy; the targets add it.
  }
}

export interface ExecutionReporterProps {
  readonly config: RunnerConfig;
  readonly backupStateMachine: sfn.StateMachine;
  readonly restoreStateMachine: sfn.StateMachine;
  readonly deadLetterQueue: sqs.IQueue;
  /** Where the reporter keeps each device's latest backup outcome. */
  readonly healthTable: dynamodb.ITable;
  readonly handlersDir: string;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Reports every finished execution of the two state machines. Driven by Step Functions' own
 * "Execution Status Change" events rather than a last step in the workflow: a FAILED, TIMED_OUT
 * or ABORTED execution never reaches a final step, and an alert that depends on the failing
 * workflow to send it is the silent failure this exists to catch.
 */
export class ExecutionReporter extends Construct {
  readonly fn: RunnerFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ExecutionReporterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.fn = new RunnerFunction(this, 'ReportFunction', {
      config: props.config,
      entry: join(props.handlersDir, 'report-execution.ts'),
      memoryMb: 256,
      timeout: Duration.minutes(1),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      environment: {
        BACKUP_STATE_MACHINE_ARN: props.backupStateMachine.stateMachineArn,
        RESTORE_STATE_MACHINE_ARN: props.restoreStateMachine.stateMachineArn,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        HEALTH_TABLE: props.healthTable.tableName,
      },
      // Invoked asynchronously by EventBridge: a report that fails all of Lambda's retries lands here.
      functionProps: { deadLetterQueue: props.deadLetterQueue },
    });
    const executionsOf = (machine: { stateMachineName: string }) =>
      Arn.format({ service: 'states', resource: 'execution', resourceName: `${machine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: [executionsOf(props.backupStateMachine), executionsOf(props.restoreStateMachine)],
      }),
    );
    acknowledgeExecutionsGrant(this.fn, props.backupStateMachine, 'The reporter reads the history of finished backups');
    acknowledgeExecutionsGrant(this.fn, props.restoreStateMachine, 'The reporter reads the history of finished restores');
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [props.healthTable.tableArn] }));
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [Arn.format({ service: 'events', resource: 'event-bus', resourceName: 'default' }, stack)] }),
    );
    this.rule = new events.Rule(this, 'StatusChangeRule', {
      description: 'backup-runner: every finished backup or restore execution -> report (events, metrics)',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [props.backupStateMachine.stateMachineArn, props.restoreStateMachine.stateMachineArn],
        },
      },
      targets: [new targets.LambdaFunction(this.fn, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}

export interface FreshnessCheckProps {
  readonly config: RunnerConfig;
  readonly archive: ArchiveBucket;
  /** The devices' latest backup outcomes (read with Scan). */
  readonly healthTable: dynamodb.ITable;
  readonly deadLetterQueue: sqs.IQueue;
  readonly handlersDir: string;
  /** How often the check runs; the stale alarms' period. */
  readonly every: Duration;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The fleet health check (lambdas/monitoring/check-freshness.ts): the age of each scheduled
 * device's newest committed backup from one listing of the archive keys (the key holds the time:
 * no manifest reads), the count of stale and of failing devices, and a notice naming the devices
 * whose problem started since the previous run. Reads the listing and the health table only.
 */
export class FreshnessCheck extends Construct {
  readonly fn: RunnerFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: FreshnessCheckProps) {
    super(scope, id);
    this.fn = new RunnerFunction(this, 'CheckFunction', {
      config: props.config,
      entry: join(props.handlersDir, 'check-freshness.ts'),
      memoryMb: 512,
      timeout: Duration.minutes(5),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      environment: {
        ARCHIVE_BUCKET: props.archive.bucket.bucketName,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        HEALTH_TABLE: props.healthTable.tableName,
        CHECK_EVERY_MINUTES: String(props.every.toMinutes()),
      },
      functionProps: { deadLetterQueue: props.deadLetterQueue },
    });
    const prefix = props.archive.prefix;
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.archive.bucket.bucketArn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      }),
    );
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.healthTable.tableArn] }));
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [Arn.format({ service: 'events', resource: 'event-bus', resourceName: 'default' }, Stack.of(this))] }),
    );
    this.rule = new events.Rule(this, 'Rule', {
      description: `backup-runner: fleet health check every ${props.every.toMinutes()} minutes`,
      schedule: events.Schedule.rate(props.every),
      // A late check is worthless once the next has run.
      targets: [new targets.LambdaFunction(this.fn, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 2, maxEventAge: props.every })],
    });
  }
}

export interface BackupAlarmsProps {
  readonly topic: sns.ITopic;
  /** The fleet health check's period: the fleet alarms' period. */
  readonly freshnessEvery: Duration;
  readonly reporter: lambda.IFunction;
  readonly freshness?: lambda.IFunction;
  readonly dispatcher?: lambda.IFunction;
  /** The PruneArchive function: its failures alarm (the backup itself succeeds, so nothing else would). */
  readonly pruner?: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The alarms, all fleet-level (a fleet of any size has the same ones). Each goes to ALARM once when
 * its problem starts and back to OK when it is over (SNS is told both): devices whose latest
 * backup failed (FailingDevices >= 1), scheduled devices whose newest committed backup is older
 * than 1.5x their schedule's longest interval (StaleDevices >= 1), and the watchers of the
 * watchers: the health check's heartbeat, reporter and dispatcher errors, undelivered events.
 * Which devices: the "Backups Failing" / "Backups Stale" notices on the same topic name each
 * device once, in the check run its problem started in; the alarm descriptions say so.
 */
export class BackupAlarms extends Construct {
  readonly failing: cw.Alarm;
  readonly stale: cw.Alarm;
  readonly system: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: BackupAlarmsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    const notify = (alarm: cw.Alarm): cw.Alarm => {
      alarm.addAlarmAction(new cwActions.SnsAction(props.topic));
      alarm.addOkAction(new cwActions.SnsAction(props.topic));
      return alarm;
    };
    const countAlarm = (name: string, metricName: string, what: string) =>
      notify(
        new cw.Alarm(this, name, {
          alarmName: `${stackName}-${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
          alarmDescription: what,
          metric: runnerMetric(metricName, { statistic: 'Maximum', period: props.freshnessEvery }),
          threshold: 1,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // A check that does not run is the heartbeat alarm's to report: keep this one's state.
          treatMissingData: cw.TreatMissingData.IGNORE,
        }),
      );
    this.failing = countAlarm(
      'BackupsFailing',
      METRICS.failingDevices,
      `Devices whose latest backup failed (FailingDevices). Which ones: the "Backups Failing" notice on this topic names each device once, when it starts failing, with its first failed execution and error; the "Backup Failed" events and the execution history have every run. OK again when every device's latest backup has succeeded.${runbook('backups-failing')} Restoring a lost device: docs/restore-runbook.md`,
    );
    this.stale = countAlarm(
      'BackupsStale',
      METRICS.staleDevices,
      `Scheduled devices with no committed backup newer than 1.5x their schedule's longest interval (StaleDevices). Which ones: the "Backups Stale" notice on this topic names each device once, when it goes stale, with its newest backup and threshold; the dashboard graphs every device\'s age. OK again when every device has a fresh backup.${runbook('backups-stale')}`,
    );
    if (props.freshness) {
      this.system.push(
        notify(
          new cw.Alarm(this, 'FreshnessCheckMissing', {
            alarmName: `${stackName}-freshness-check-missing`,
            alarmDescription: `The fleet health check has not reported for two periods: failing and stale devices would go unnoticed.${runbook('freshness-check-missing')}`,
            metric: runnerMetric(METRICS.devicesChecked, { statistic: 'SampleCount', period: props.freshnessEvery }),
            threshold: 1,
            comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluationPeriods: 2,
            treatMissingData: cw.TreatMissingData.BREACHING,
          }),
        ),
      );
    }
    const errors = (name: string, fn: lambda.IFunction, what: string) => {
      const alarmKind = name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
      return notify(
        new cw.Alarm(this, name, {
          alarmName: `${stackName}-${alarmKind}`,
          alarmDescription: `${what}${runbook(alarmKind)}`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        }),
      );
    };
    this.system.push(errors('ReporterErrors', props.reporter, 'The execution reporter failed: backup events and metrics may be missing; see its log.'));
    if (props.dispatcher) this.system.push(errors('DispatcherErrors', props.dispatcher, 'A dispatcher tick failed: scheduled backups may not start; see its log.'));
    if (props.pruner) {
      this.system.push(
        errors(
          'PruneFailed',
          props.pruner,
          'Applying the retention policy failed after a committed backup (the backup succeeded; its "Backup Succeeded" event has a pruneError warning): old backups are kept, storage grows; see the PruneArchive log.',
        ),
      );
    }
    this.system.push(
      notify(
        new cw.Alarm(this, 'UndeliveredEvents', {
          alarmName: `${stackName}-undelivered-events`,
          alarmDescription: `Events or reports could not be delivered and wait in the dead-letter queue.${runbook('undelivered-events')}`,
          metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
          threshold: 1,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        }),
      ),
    );
  }

  all(): cw.Alarm[] {
    return [this.failing, this.stale, ...this.system];
  }
}

export interface TopicNotificationsProps {
  readonly alerts: AlertTopic;
  readonly deadLetterQueue: sqs.IQueue;
  /** The runner event detail-types (source backup-runner) that go to the topic. */
  readonly detailTypes: readonly string[];
  /** The rule is named `<stack>-<ruleName>`: the alerts key lets EventBridge encrypt for this stack's rules only. */
  readonly ruleName: string;
  /** The rule's description. */
  readonly description: string;
}

/**
 * Runner events that go to the alerts topic as they happen: restore outcomes (an operator waits
 * for them) and the fleet health check's notices (which devices the fleet alarms are about).
 */
export class TopicNotifications extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: TopicNotificationsProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: `${stackNamePrefix(Stack.of(this))}-${props.ruleName}`,
      description: props.description,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...props.detailTypes] },
      targets: [props.alerts.publishFrom({ deadLetterQueue: props.deadLetterQueue })],
    });
  }
}

/** One dashboard for the fleet; per-device lines come from SEARCH expressions, so it fits any fleet size. */
export class RunnerDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: { readonly alarms: readonly cw.Alarm[] }) {
    super(scope, id);
    const hour = Duration.hours(1);
    const perDevice = (metricName: string, statistic: string, label: string) =>
      new cw.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},deviceId,service} MetricName="${metricName}"', '${statistic}', 3600)`,
        usingMetrics: {},
        label,
        period: hour,
      });
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-backups`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Backups per hour (fleet)',
        left: [runnerMetric(METRICS.backupsSucceeded, { statistic: 'Sum', period: hour }), runnerMetric(METRICS.backupsFailed, { statistic: 'Sum', period: hour })],
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'Failing and stale devices (fleet)',
        left: [runnerMetric(METRICS.failingDevices, { statistic: 'Maximum', period: hour }), runnerMetric(METRICS.staleDevices, { statistic: 'Maximum', period: hour })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(new cw.GraphWidget({ title: 'Age of the newest committed backup (hours)', left: [perDevice(METRICS.newestBackupAge, 'Maximum', '')], width: 24 }));
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Transfer MB/s per device', left: [perDevice(METRICS.transferThroughput, 'Average', '')], width: 8 }),
      new cw.GraphWidget({ title: 'Backup size (bytes) per device', left: [perDevice(METRICS.backupBytes, 'Maximum', '')], width: 8 }),
      new cw.GraphWidget({ title: 'Backup duration (s) per device', left: [perDevice(METRICS.backupDuration, 'Maximum', '')], width: 8 }),
    );
    this.dashboard.addWidgets(new cw.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 2 + Math.ceil(props.alarms.length / 4) }));
  }
}

export interface MonitoringProps {
  readonly config: RunnerConfig;
  readonly archive: ArchiveBucket;
  readonly backupStateMachine: ExecutionReporterProps['backupStateMachine'];
  readonly restoreStateMachine: ExecutionReporterProps['restoreStateMachine'];
  /** The dispatcher, when the stack has schedules: its errors alarm. */
  readonly dispatcher?: lambda.IFunction;
  /** The backup workflow's PruneArchive function: its errors alarm (PruneFailed). */
  readonly pruner?: lambda.IFunction;
  /** @default '<repository>/lambdas/handlers' */
  readonly handlersDir?: string;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The instant schedules' intervals are measured from (the stale thresholds).
   * @default - the time of synthesis
   */
  readonly now?: Date;
}

/** All of the runner's monitoring: see the constructs above. */
export class Monitoring extends Construct {
  readonly alerts: AlertTopic;
  readonly undelivered: UndeliveredEventsQueue;
  readonly health: DeviceHealthTable;
  readonly reporter: ExecutionReporter;
  readonly freshness: FreshnessCheck;
  readonly alarms: BackupAlarms;
  readonly dashboard: RunnerDashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const handlersDir = props.handlersDir ?? join(PROJECT_ROOT, 'lambdas', 'handlers');
    this.undelivered = new UndeliveredEventsQueue(this, 'Undelivered');
    const dlq = this.undelivered.queue;
    this.alerts = new AlertTopic(this, 'Alerts', { emails: props.config.alerts?.email ?? [], deadLetterQueue: dlq });
    this.health = new DeviceHealthTable(this, 'DeviceHealth');
    this.reporter = new ExecutionReporter(this, 'Reporter', {
      config: props.config,
      backupStateMachine: props.backupStateMachine,
      restoreStateMachine: props.restoreStateMachine,
      deadLetterQueue: dlq,
      healthTable: this.health.table,
      handlersDir,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    const freshnessEvery = freshnessInterval(props.config, props.now ?? new Date());
    this.freshness = new FreshnessCheck(this, 'Freshness', {
      config: props.config,
      archive: props.archive,
      healthTable: this.health.table,
      deadLetterQueue: dlq,
      handlersDir,
      every: freshnessEvery,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.alarms = new BackupAlarms(this, 'Alarms', {
      topic: this.alerts.topic,
      freshnessEvery,
      reporter: this.reporter.fn,
      freshness: this.freshness.fn,
      ...(props.dispatcher ? { dispatcher: props.dispatcher } : {}),
      ...(props.pruner ? { pruner: props.pruner } : {}),
      deadLetterQueue: dlq,
    });
    const toTopic = { alerts: this.alerts, deadLetterQueue: dlq };
    new TopicNotifications(this, 'RestoreNotifications', {
      ...toTopic,
      detailTypes: [DETAIL_TYPES.restoreSucceeded, DETAIL_TYPES.restoreFailed],
      ruleName: 'restore-outcomes',
      description: 'backup-runner: restore outcomes -> alerts topic',
    });
    new TopicNotifications(this, 'FleetNotices', {
      ...toTopic,
      detailTypes: [DETAIL_TYPES.backupsFailing, DETAIL_TYPES.backupsStale],
      ruleName: 'fleet-notices',
      description: 'backup-runner: devices that started failing or went stale -> alerts topic',
    });
    this.dashboard = new RunnerDashboard(this, 'Dashboard', { alarms: this.alarms.all() });
  }
}

/** Below this staleness threshold (hours), an hourly check would be a large part of a device's allowance. */
const FREQUENT_CHECK_BELOW_HOURS = 6;

/**
 * How often the fleet health check runs: hourly, or every 15 minutes when a device's staleness
 * threshold is under 6 hours. Only frequent rules are sampled (smallestThresholdBelow), so a
 * fleet of 50,000 daily schedules costs a few seconds of synth, not minutes.
 */
export function freshnessInterval(config: Pick<RunnerConfig, 'devices'>, from: Date): Duration {
  return Duration.minutes(smallestThresholdBelow(config.devices, from, FREQUENT_CHECK_BELOW_HOURS) !== undefined ? 15 : 60);
}
