import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { RunnerConfig } from '../lambdas/config/schema';
import { buildApp } from './build-app';

/**
 * Plain Amazon States Language, as aws-local-stepfunctions' `new StateMachine(definition)` takes it.
 * Note: that constructor writes `QueryLanguage: "JSONPath"` into every state of the object it is
 * given; pass a `structuredClone` if you keep the definition for anything else.
 */
export type AslDefinition = StateMachineDefinition;

/** Stand-ins for the pseudo parameters a deployed template would resolve. */
export const LOCAL_ENVIRONMENT = { partition: 'aws', region: 'us-east-1', account: '123456789012', urlSuffix: 'amazonaws.com' } as const;

/** The fake but valid ARN a Lambda task gets locally; the local runner binds handlers by state name, not by ARN. */
export function localFunctionArn(logicalId: string): string {
  return `arn:${LOCAL_ENVIRONMENT.partition}:lambda:${LOCAL_ENVIRONMENT.region}:${LOCAL_ENVIRONMENT.account}:function:${logicalId}`;
}

const CDK_JSON = fileURLToPath(new URL('../cdk.json', import.meta.url));

/**
 * The backup state machine's definition exactly as `cdk synth` deploys it, as plain ASL.
 * Builds the app in-process with bundling skipped (the definition does not depend on the
 * bundles) and the context of cdk.json (as the CLI would), then resolves the template's
 * DefinitionString. About 0.3 s once aws-cdk-lib is loaded (loading it takes about 1 s more).
 */
export function backupDefinitionFor(config: RunnerConfig): AslDefinition {
  const { app, stack } = buildApp(config, {
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    validateTemplates: false,
    // The template is only read here; cdk-nag changes nothing in it and runs at every real synth.
    nag: false,
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return stateMachineDefinitionOf(template);
}

/**
 * The restore state machine's definition exactly as `cdk synth` deploys it, as plain ASL
 * (built like backupDefinitionFor).
 */
export function restoreDefinitionFor(config: RunnerConfig): AslDefinition {
  const { app, stack } = buildApp(config, {
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    validateTemplates: false,
    // The template is only read here; cdk-nag changes nothing in it and runs at every real synth.
    nag: false,
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return stateMachineDefinitionOf(template, 'RestoreWorkflow');
}

/** The CloudFormation template fields this module reads. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/**
 * An AWS::StepFunctions::StateMachine of a synthesized template as plain ASL: the only one, or,
 * when the stack has several, the one of the construct whose id its logical id starts with
 * (`BackupWorkflow` unless told). Throws when that is not exactly one, or when the definition
 * refers to something that has no local value.
 */
export function stateMachineDefinitionOf(template: CfnTemplate, construct?: string): AslDefinition {
  const resources = template.Resources ?? {};
  const all = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  const wanted = construct ?? 'BackupWorkflow';
  const machines = all.length === 1 && construct === undefined ? all : all.filter(([id]) => id.startsWith(wanted));
  if (machines.length !== 1) {
    throw new Error(`expected one AWS::StepFunctions::StateMachine${all.length > 1 || construct ? ` of ${wanted}` : ''} in the template, found ${machines.length}`);
  }
  const [logicalId, machine] = machines[0]!;
  const text = resolveString(machine.Properties?.DefinitionString, resources, `${logicalId}.DefinitionString`);
  return JSON.parse(text) as AslDefinition;
}

/** Resolves the intrinsics CDK emits in a DefinitionString: Fn::Join, Fn::GetAtt <function>.Arn, Ref of pseudo parameters. */
export function resolveString(value: unknown, resources: NonNullable<CfnTemplate['Resources']>, where: string): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      const separator = arg[0];
      return (arg[1] as unknown[]).map((part, i) => resolveString(part, resources, `${where}[${i}]`)).join(separator);
    }
    if (entries.length === 1 && key === 'Fn::GetAtt' && Array.isArray(arg) && arg[1] === 'Arn' && typeof arg[0] === 'string') {
      const target = resources[arg[0]];
      if (target?.Type === 'AWS::Lambda::Function') return localFunctionArn(arg[0]);
      throw new Error(`${where}: Fn::GetAtt ${arg[0]}.Arn is a ${target?.Type ?? 'missing resource'}, not a Lambda function; it has no local value`);
    }
    if (entries.length === 1 && key === 'Ref' && typeof arg === 'string') {
      const pseudo: Record<string, string> = {
        'AWS::Partition': LOCAL_ENVIRONMENT.partition,
        'AWS::Region': LOCAL_ENVIRONMENT.region,
        'AWS::AccountId': LOCAL_ENVIRONMENT.account,
        'AWS::URLSuffix': LOCAL_ENVIRONMENT.urlSuffix,
      };
      const resolved = pseudo[arg];
      if (resolved !== undefined) return resolved;
    }
  }
  throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} to a local value`);
}

/** cdk.json's context, so the in-process app sees the feature flags `cdk synth` sees. */
function cdkJsonContext(): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}
