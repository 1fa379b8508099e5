import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { BackupRunnerError, ConfigError } from '../../lambdas/common/errors';

/** `--profile`, `--region`, `--stack`: which account, region and stack the commands talk to. */
export interface StackOptions {
  profile?: string;
  region?: string;
  /** @default 'BackupRunner' (infra/build-app.ts STACK_ID) */
  stack?: string;
}

/** The AWS clients of one CLI call, made with the user's profile and region (the SDK's default chain otherwise). */
export interface StackClients {
  cloudFormation: CloudFormationClient;
  sfn: SFNClient;
  s3: S3Client;
}

export function stackClients(options: StackOptions): StackClients {
  const config = { ...(options.profile ? { profile: options.profile } : {}), ...(options.region ? { region: options.region } : {}) };
  return { cloudFormation: new CloudFormationClient(config), sfn: new SFNClient(config), s3: new S3Client(config) };
}

/** What the commands need from the deployed stack, read from its outputs. */
export interface DeployedStack {
  stackName: string;
  bucket: string;
  /** Archive key prefix; '' when the stack has no ArchivePrefix output. */
  prefix: string;
  backupStateMachineArn: string;
  restoreStateMachineArn: string;
}

export const DEFAULT_STACK = 'BackupRunner';

/** The stack couldn't be read or lacks an output this CLI needs. */
export class StackNotReady extends BackupRunnerError {
  override name = 'StackNotReady';
}

/** DescribeStacks, then the outputs the stack publishes (backup-runner-stack.ts). */
export async function describeDeployedStack(cloudFormation: CloudFormationClient, stackName = DEFAULT_STACK): Promise<DeployedStack> {
  let stack;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StackNotReady(`cannot read the stack "${stackName}" (${text}); check --stack, --profile and --region, and that \`cdk deploy\` has run there`);
  }
  if (!stack) throw new StackNotReady(`the stack "${stackName}" does not exist in this account and region`);
  const outputs = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const need = (key: string): string => {
    const value = outputs.get(key);
    if (!value) throw new StackNotReady(`the stack "${stackName}" has no output ${key} (status ${stack.StackStatus ?? 'unknown'}); deploy this version with \`cdk deploy\``);
    return value;
  };
  return {
    stackName,
    bucket: need('ArchiveBucketName'),
    prefix: outputs.get('ArchivePrefix') ?? '',
    backupStateMachineArn: need('BackupStateMachineArn'),
    restoreStateMachineArn: need('RestoreStateMachineArn'),
  };
}

/** The execution ARN of a named execution of a state machine (same account, region, partition). */
export function executionArn(stateMachineArn: string, name: string): string {
  const match = /^(arn:[^:]+:states:[^:]+:[^:]+):stateMachine:(.+)$/.exec(stateMachineArn);
  if (!match) throw new ConfigError(`"${stateMachineArn}" is not a state machine ARN`);
  return `${match[1]}:execution:${match[2]}:${name}`;
}
