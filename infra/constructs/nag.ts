import { CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import type { ArchiveBucket } from './archive-bucket';

/**
 * cdk-nag acknowledgements the constructs share, each with its reason (test/infra/nag.spec.ts runs
 * AwsSolutionsChecks and ServerlessChecks on the whole app). Findings about a wildcard name the
 * resource the way cdk-nag prints it, `<LogicalId.Attribute>`, so one acknowledgement covers that
 * one wildcard and nothing else.
 */

/** `<LogicalId.Arn>` of a construct's CloudFormation resource, as cdk-nag writes it in a finding id. */
export function nagRef(construct: IConstruct, attribute = 'Arn'): string {
  const cfn = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`nagRef: ${construct.node.path} has no CloudFormation resource`);
  const stack = Stack.of(cfn);
  return `<${String(stack.resolve(stack.getLogicalId(cfn)))}.${attribute}>`;
}

/**
 * The stack's region and account as cdk-nag writes them inside an ARN of a finding id: the
 * pseudo-parameter placeholders for an environment-agnostic stack, the literal values once the
 * stack has an environment (`cdk synth`/`deploy` with credentials sets CDK_DEFAULT_ACCOUNT/REGION).
 */
export function nagRegionAccount(scope: IConstruct): { region: string; account: string } {
  const stack = Stack.of(scope);
  return {
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
    account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
  };
}

/** A function Step Functions invokes synchronously: its failures are the state machine's Retry/Catch, not a DLQ's. */
export function acknowledgeStateMachineTask(fn: lambda.IFunction): void {
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: 'Invoked synchronously by the state machine, whose Retry and Catch rules handle every failure; a Lambda DLQ only applies to asynchronous invocations',
  });
}

/** The archive grants end in a wildcard under the backup prefix: object keys are made at run time. */
export function acknowledgeArchivePrefixGrant(fn: lambda.IFunction, archive: ArchiveBucket): void {
  const bucket = nagRef(archive.bucket);
  for (const pattern of [`${archive.prefix}*`, `${archive.prefix}*.manifest.json`]) {
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket}/${pattern}]`,
      reason: `Scoped to the archive's backup prefix (${archive.prefix || 'the whole bucket: archive.prefix is empty'}): each run writes or reads keys named at run time (device/date/run id)`,
    });
  }
}

/**
 * A state machine's role: CDK's LambdaInvoke grants each function and its versions (`ARN:*`),
 * and X-Ray tracing needs `*` (no resource-level permissions).
 */
export function acknowledgeStateMachineRole(machine: sfn.StateMachine, functions: readonly lambda.IFunction[]): void {
  for (const fn of functions) {
    Validations.of(machine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagRef(fn)}:*]`,
      reason: 'LambdaInvoke grants the runner\'s own function and its versions/aliases (ARN:*), no other function',
    });
  }
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSampling*) has no resource-level permissions',
  });
}

/** A grant on every execution of a state machine (execution ARNs are made at run time). */
export function acknowledgeExecutionsGrant(scope: IConstruct, machine: IConstruct, what: string): void {
  const { region, account } = nagRegionAccount(machine);
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${nagRef(machine, 'Name')}:*]`,
    reason: `${what}: execution ARNs are only known at run time; the grant covers the executions of this one state machine`,
  });
}

/**
 * AwsSolutions-SF1 wants every state's events (level ALL) in the state machine log. The runner logs
 * errors only unless config `workflow.stateMachineLogs` asks for more: every state's event carries
 * its input and output, an error's cause quotes the device, and a log group keeps both for its whole
 * retention; the execution history (90 days), the runner's events and the alarms carry the rest.
 */
export function acknowledgeErrorLevelStateMachineLog(machine: sfn.StateMachine): void {
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-SF1',
    reason:
      'Errors only by default (config workflow.stateMachineLogs turns on ALL and execution data): every state event would keep what devices said for the log group\'s whole retention; the execution history, events and alarms carry the rest',
  });
}
