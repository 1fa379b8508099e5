import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { grantReadDeviceSecrets } from './device-secrets';
import { acknowledgeStateMachineTask } from './nag';
import { RunnerFunction, type FunctionPlacement } from './runner-function';

export interface WorkflowFunctionProps {
  readonly config: RunnerConfig;
  /** The Task state or function name: the construct ids are `<name>Function` and `<name>Logs`. */
  readonly name: string;
  /** Folder of the handler files; the entry is `<handlersDir>/<handler>.ts`. */
  readonly handlersDir: string;
  readonly handler: string;
  readonly sizing: { readonly memoryMb: number; readonly timeoutMinutes: number };
  readonly logRetention: logs.RetentionDays;
  readonly archiveBucketName: string;
  /**
   * Talks to devices: reads the device secrets, and runs in the device network when there is one.
   * The functions that read device secrets are exactly those that talk to devices.
   */
  readonly deviceFacing: boolean;
  readonly devicePlacement?: FunctionPlacement | undefined;
  /** Reserved concurrency (config `workflow.transferReservedConcurrency` for the functions that move files). @default - none */
  readonly reservedConcurrency?: number | undefined;
}

/** A Lambda a state machine's Task state runs: what the backup and the restore workflow build for each. */
export function workflowFunction(scope: Construct, props: WorkflowFunctionProps): nodejs.NodejsFunction {
  const fn = new RunnerFunction(scope, `${props.name}Function`, {
    config: props.config,
    entry: join(props.handlersDir, `${props.handler}.ts`),
    memoryMb: props.sizing.memoryMb,
    timeout: Duration.minutes(props.sizing.timeoutMinutes),
    logRetention: props.logRetention,
    logGroupId: `${props.name}Logs`,
    environment: { ARCHIVE_BUCKET: props.archiveBucketName },
    ...(props.deviceFacing && props.devicePlacement ? { placement: props.devicePlacement } : {}),
    ...(props.reservedConcurrency !== undefined ? { functionProps: { reservedConcurrentExecutions: props.reservedConcurrency } } : {}),
  });
  if (props.deviceFacing) grantReadDeviceSecrets(fn, props.config.secrets);
  acknowledgeStateMachineTask(fn);
  return fn;
}
