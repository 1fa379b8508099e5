import { join } from 'node:path';
import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { DISPATCHER_STATE_KEY } from '../../lambdas/dispatcher/state';
import type { ArchiveBucket } from './archive-bucket';
import { acknowledgeExecutionsGrant } from './nag';
import { PROJECT_ROOT, RunnerFunction } from './runner-function';

export interface SchedulerProps {
  /** The validated runner config: device schedules and `scheduler` settings, embedded in the bundle. */
  readonly config: RunnerConfig;
  /** The backup state machine: the only one the dispatcher may start or list. */
  readonly stateMachine: Pick<sfn.StateMachine, 'stateMachineArn' | 'stateMachineName'>;
  /** Holds the dispatcher state object (DISPATCHER_STATE_KEY); nothing else of it is readable. */
  readonly archive: ArchiveBucket;
  /**
   * Folder of the Lambda entry points (`dispatch.ts`, exporting `handler`).
   * @default '<repository>/lambdas/handlers'
   */
  readonly handlersDir?: string;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Schedules: an EventBridge rule every `scheduler.tickMinutes` runs the dispatcher Lambda, which
 * starts the backup executions that are due (lambdas/dispatcher). Least privilege: start and list
 * executions of the backup state machine (and describe its executions, to learn the device of one
 * started under another name), read and write the one state object, put events on the default
 * bus. No device secrets, nothing else of the archive.
 */
export class Scheduler extends Construct {
  readonly dispatcher: RunnerFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SchedulerProps) {
    super(scope, id);
    const tickMinutes = props.config.scheduler.tickMinutes;
    if (!Number.isInteger(tickMinutes) || tickMinutes < 1) throw new Error(`Scheduler ${id}: config.scheduler.tickMinutes must be a whole number from 1, not ${tickMinutes}`);
    const handlersDir = props.handlersDir ?? join(PROJECT_ROOT, 'lambdas', 'handlers');
    const stack = Stack.of(this);

    this.dispatcher = new RunnerFunction(this, 'DispatcherFunction', {
      config: props.config,
      entry: join(handlersDir, 'dispatch.ts'),
      // Plans 10,000 devices in well under a second (BENCHMARKS.md); the rest is API calls.
      memoryMb: 512,
      timeout: Duration.minutes(Math.min(5, tickMinutes)),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      environment: {
        BACKUP_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        ARCHIVE_BUCKET: props.archive.bucket.bucketName,
        DISPATCHER_STATE_KEY,
      },
    });

    const role = this.dispatcher;
    // cdk-nag: a tick's failure is an error in its log and the DispatcherErrors alarm; the next
    // tick plans the same window again, so a queued stale tick would only be replayed twice.
    Validations.of(this.dispatcher).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'A failed tick is retried by the next tick (the window is kept in the state object); the DispatcherErrors alarm reports it; a DLQ of stale ticks has no use',
    });
    if (Construct.isConstruct(props.stateMachine)) acknowledgeExecutionsGrant(this.dispatcher, props.stateMachine, 'The dispatcher describes running executions to learn their device');
    role.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:ListExecutions'], resources: [props.stateMachine.stateMachineArn] }),
    );
    role.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [
          Arn.format(
            { service: 'states', resource: 'execution', resourceName: `${props.stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
            stack,
          ),
        ],
      }),
    );
    role.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [props.archive.bucket.arnForObjects(DISPATCHER_STATE_KEY)] }),
    );
    // SSE-KMS buckets only: write (and read back) the state object with the bucket's key.
    props.archive.grantEncryptBackups(this.dispatcher);
    role.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [Arn.format({ service: 'events', resource: 'event-bus', resourceName: 'default' }, stack)],
      }),
    );

    this.rule = new events.Rule(this, 'TickRule', {
      description: `backup-runner: dispatcher tick every ${tickMinutes} minute${tickMinutes === 1 ? '' : 's'}`,
      schedule: events.Schedule.rate(Duration.minutes(tickMinutes)),
      targets: [
        new targets.LambdaFunction(this.dispatcher, {
          // A late tick is worthless once the next one has run; a tick is idempotent, so retrying is safe.
          maxEventAge: Duration.minutes(Math.max(1, tickMinutes)),
          retryAttempts: 2,
        }),
      ],
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'An undelivered tick is worthless once the next one runs (every tickMinutes), which plans the missed window too',
    });
  }
}

/** Whether the config needs a scheduler at all: no device schedule, no dispatcher ticking for nothing. */
export function hasSchedules(config: RunnerConfig): boolean {
  return config.devices.some((d) => d.schedule !== undefined);
}
