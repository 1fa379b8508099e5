import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW_DEFAULTS, type RunnerConfig } from '../../lambdas/config/schema';

const LEVELS: Readonly<Record<'OFF' | 'FATAL' | 'ERROR' | 'ALL', sfn.LogLevel>> = {
  OFF: sfn.LogLevel.OFF,
  FATAL: sfn.LogLevel.FATAL,
  ERROR: sfn.LogLevel.ERROR,
  ALL: sfn.LogLevel.ALL,
};

/**
 * A state machine's log group (`/aws/vendedlogs/states/<stack>-<name>`: under that prefix
 * CloudWatch does not grow the account's log resource policy per group) and what goes into it:
 * config `workflow.stateMachineLogs`, by default errors only and no execution data. An error's
 * cause quotes what a device said, and a log group keeps it for its whole retention; the execution
 * history (90 days) and the runner's events hold what an operator needs. The log group takes the
 * archive's KMS key when there is one (LogGroupsEncryption, applied to the whole stack).
 */
export function stateMachineLogs(scope: Construct, options: { readonly name: 'backup' | 'restore'; readonly config: RunnerConfig; readonly retention: logs.RetentionDays }): sfn.LogOptions {
  const settings = options.config.workflow.stateMachineLogs ?? WORKFLOW_DEFAULTS.stateMachineLogs;
  const destination = new logs.LogGroup(scope, 'StateMachineLogs', {
    logGroupName: `/aws/vendedlogs/states/${Stack.of(scope).stackName}-${options.name}`,
    retention: options.retention,
  });
  return { destination, level: LEVELS[settings.level], includeExecutionData: settings.includeExecutionData };
}
