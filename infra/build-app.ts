import { App, Token, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ConfigError } from '../lambdas/common/errors';
import type { RunnerConfig } from '../lambdas/config/schema';
import { foreignSecretArns, secretFields } from '../lambdas/config/secret-ref';
import { BackupRunnerStack } from './stacks/backup-runner-stack';

export { BackupRunnerStack } from './stacks/backup-runner-stack';

/** The stack id; `cdk deploy` and the CLI's commands against a deployed stack use it. */
export const STACK_ID = 'BackupRunner';

export interface BuildAppOptions {
  /** Add the stack to this app instead of a new one (the CLI entry passes the app it read context from). */
  readonly app?: App;
  /** Context for a new app, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling. */
  readonly context?: Record<string, unknown>;
  /** Where a new app writes its cloud assembly; a fresh temporary folder when absent. */
  readonly outdir?: string;
  /** Account and region; environment-agnostic when absent. */
  readonly env?: Environment;
  /** Folder of the Lambda entry points (tests use fixtures); lambdas/handlers when absent. */
  readonly handlersDir?: string;
  /**
   * Run CDK's built-in CloudFormation template validation at synth (a new app only). It never
   * changes the template, and costs about 1.5 s, so in-process callers that only read the
   * template (the local runner) turn it off. True when absent.
   */
  readonly validateTemplates?: boolean;
  /**
   * Run cdk-nag's AwsSolutions and Serverless packs at synth: an unacknowledged finding fails the
   * synth with its rule and resource. `cdk synth`/`cdk deploy` always do (infra/app.ts); only
   * in-process callers that read the template to run it locally turn it off. True when absent.
   */
  readonly nag?: boolean;
}

/** Adds cdk-nag's packs to the app: every synth checks the whole stack; acknowledgements carry their reasons in the constructs. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Validations.of(app).addPlugins(new ServerlessChecks(app));
}

/** Builds the CDK app for a validated config, without side effects beyond the app itself. */
export function buildApp(config: RunnerConfig, options: BuildAppOptions = {}): { app: App; stack: BackupRunnerStack } {
  // Secret ARNs of another account, region or partition would widen the grant beyond this stack's own secrets.
  const place = { account: known(options.env?.account), region: known(options.env?.region) };
  const foreign = foreignSecretArns(secretFields(config.devices), place);
  if (foreign.length) throw new ConfigError('config is invalid for this stack:', foreign);
  const app =
    options.app ??
    new App({
      ...(options.context ? { context: options.context } : {}),
      ...(options.outdir ? { outdir: options.outdir } : {}),
      ...(options.validateTemplates === false ? { builtinCloudFormationValidation: false, treeMetadata: false } : {}),
    });
  const stack = new BackupRunnerStack(app, STACK_ID, {
    config,
    description: 'Appliance Backup Runner: backs up network appliances through their REST APIs into S3',
    ...(options.env ? { env: options.env } : {}),
    ...(options.handlersDir ? { handlersDir: options.handlersDir } : {}),
  });
  if (options.nag !== false) addNagChecks(app);
  return { app, stack };
}

function known(value: string | undefined): string | undefined {
  return value === undefined || Token.isUnresolved(value) ? undefined : value;
}
