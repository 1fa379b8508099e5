/**
 * The CDK CLI entry (cdk.json: `tsx infra/app.ts`). Config: `-c config=PATH`, else
 * $BACKUP_RUNNER_CONFIG, else examples/backup-runner.yaml. A path given is relative to the cwd.
 */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/common/errors';
import { loadConfigFile } from '../lambdas/config/load';
import { buildApp } from './build-app';

/** Resolved from the repository, not the cwd, so `cdk synth` works from any folder. */
const DEFAULT_CONFIG = fileURLToPath(new URL('../examples/backup-runner.yaml', import.meta.url));

const app = new App();
const contextPath: unknown = app.node.tryGetContext('config');
const configPath = typeof contextPath === 'string' && contextPath !== '' ? contextPath : process.env.BACKUP_RUNNER_CONFIG || DEFAULT_CONFIG;

try {
  const config = loadConfigFile(configPath);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  buildApp(config, { app, env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } });
} catch (error) {
  // A config mistake is the user's to fix: the message lists every bad field; a stack trace would bury it.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
