import { fileURLToPath } from 'node:url';
import { App, type Stack } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/common/errors';
import { loadConfigFile } from '../lambdas/config/load';
import { buildApp } from './build-app';

/** Resolved from the repository, not the cwd, so `cdk synth` works from any folder. */
const DEFAULT_CONFIG = fileURLToPath(new URL('../examples/backup-runner.yaml', import.meta.url));

export interface SynthAppOptions {
  /** Adds constructs to the stack before synth (an extension of the stack, or a test's careless resource). */
  readonly addToStack?: (stack: Stack) => void;
}

/**
 * What `cdk synth`/`cdk deploy` run (infra/app.ts). Config: `-c config=PATH`, else
 * $BACKUP_RUNNER_CONFIG, else examples/backup-runner.yaml; a path given is relative to the cwd.
 * Every synth runs cdk-nag (buildApp): an unacknowledged finding fails it, naming rule and resource.
 * Exits 1 with a plain message for a bad config or a cdk-nag finding.
 */
export function synthApp(options: SynthAppOptions = {}): void {
  const app = new App();
  const contextPath: unknown = app.node.tryGetContext('config');
  const configPath = typeof contextPath === 'string' && contextPath !== '' ? contextPath : process.env.BACKUP_RUNNER_CONFIG || DEFAULT_CONFIG;
  try {
    const config = loadConfigFile(configPath);
    const account = process.env.CDK_DEFAULT_ACCOUNT;
    const region = process.env.CDK_DEFAULT_REGION;
    const { stack } = buildApp(config, { app, env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } });
    options.addToStack?.(stack);
    app.synth();
  } catch (error) {
    // A config mistake is the user's to fix: the message lists every bad field; a stack trace would bury it.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    // cdk-nag printed its findings above, each with rule, resource and the id to acknowledge it by.
    if (error instanceof Error && /^Validation failed/.test(error.message)) {
      process.stderr.write(
        `cdk synth refused by cdk-nag: ${error.message.split('\n')[0]}\n` +
          'Each finding above names its rule and resource: fix the resource, or acknowledge the finding with Validations.of(construct).acknowledge({ id, reason }) and its reason.\n',
      );
      process.exit(1);
    }
    throw error;
  }
}
