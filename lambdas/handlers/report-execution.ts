import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { eventBridgeRunnerEventSink, powertoolsMetricSink, sfnExecutionLookup } from '../monitoring/aws-sinks';
import { dynamoDbHealthStore } from '../monitoring/dynamodb-health-store';
import type { RunnerEvent } from '../monitoring/events';
import type { ExecutionStatusChange } from '../monitoring/execution-outcome';
import type { ReportDeps } from '../monitoring/ports';
import { reportExecution } from '../monitoring/report-execution';
import { logger, powertoolsLog, requireEnv } from './lambda-deps';

let cached: ReportDeps | undefined;

function reportDeps(): ReportDeps {
  cached ??= {
    backupStateMachineArn: requireEnv('BACKUP_STATE_MACHINE_ARN'),
    restoreStateMachineArn: requireEnv('RESTORE_STATE_MACHINE_ARN'),
    metrics: powertoolsMetricSink(),
    events: eventBridgeRunnerEventSink(new EventBridgeClient({})),
    executions: sfnExecutionLookup(new SFNClient({})),
    health: dynamoDbHealthStore(new DynamoDBClient({}), requireEnv('HEALTH_TABLE')),
    log: powertoolsLog(logger),
    now: () => new Date(),
  };
  return cached;
}

/** Target of the rule on Step Functions' "Execution Status Change" events of the two state machines. */
export const handler = async (event: EventBridgeEvent<string, ExecutionStatusChange>): Promise<RunnerEvent | undefined> => {
  logger.resetKeys();
  logger.appendKeys({ executionName: event.detail.name });
  try {
    return await reportExecution(event.detail, reportDeps());
  } catch (error) {
    logger.error('execution report failed', { error: error as Error });
    throw error;
  }
};
