import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../lambdas/common/errors';

export const CONFIG_ENV = 'BACKUP_RUNNER_CONFIG';
export const SECRETS_ENV = 'BACKUP_RUNNER_SECRETS';
/** Found in the working directory when neither --config nor BACKUP_RUNNER_CONFIG names a file. */
export const DEFAULT_CONFIG_FILE = 'backup-runner.yaml';

export interface Environment {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** The config file: --config, else $BACKUP_RUNNER_CONFIG, else ./backup-runner.yaml; a usage error naming all three when none is there. */
export function locateConfig(option: string | undefined, where: Environment, exists: (path: string) => boolean = existsSync): string {
  if (option) return option;
  const fromEnv = where.env[CONFIG_ENV];
  if (fromEnv) return fromEnv;
  const local = resolve(where.cwd, DEFAULT_CONFIG_FILE);
  if (exists(local)) return local;
  throw new ConfigError(
    `no config file: give --config FILE, set ${CONFIG_ENV}=FILE, or put ${DEFAULT_CONFIG_FILE} in this directory (start from examples/backup-runner.yaml; fields in docs/config.md)`,
  );
}

/** The secrets file: --secrets, else $BACKUP_RUNNER_SECRETS; undefined means Secrets Manager. */
export function locateSecrets(option: string | undefined, where: Pick<Environment, 'env'>): string | undefined {
  return option || where.env[SECRETS_ENV] || undefined;
}
