import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../common/errors';
import type { Log } from '../common/log';
import { secretsManagerSource } from '../common/secrets';
import { parseConfig } from '../config/load';
import type { StepDeps } from '../workflow/deps';

/** The Powertools logger of this Lambda; handlers add device id and execution name to each invocation. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'backup-runner' });

let cached: StepDeps | undefined;

/**
 * Dependencies for the deployed Lambdas, built once per container. The validated config is
 * embedded in the bundle at synth time (esbuild `define`), because environment variables are
 * limited to 4 KB and fleets are larger.
 */
export function lambdaDeps(): StepDeps {
  if (cached) return cached;
  const bucket = requireEnv('ARCHIVE_BUCKET');
  const embedded = process.env.RUNNER_CONFIG_JSON;
  if (!embedded) throw new ConfigError('this Lambda was built without its config (RUNNER_CONFIG_JSON); redeploy with `cdk deploy`');
  cached = {
    config: parseConfig(JSON.parse(embedded), { source: 'embedded config' }),
    archive: { bucket, s3: new S3Client({}) },
    secrets: secretsManagerSource(new SecretsManagerClient({})),
    log: powertoolsLog(logger),
    now: () => new Date(),
  };
  return cached;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set on this Lambda`);
  return value;
}

export function powertoolsLog(log: Logger): Log {
  return {
    debug: (message, extra) => log.debug(message, extra ?? {}),
    info: (message, extra) => log.info(message, extra ?? {}),
    warn: (message, extra) => log.warn(message, extra ?? {}),
    error: (message, extra) => log.error(message, extra ?? {}),
  };
}

/** Wraps a step as a Lambda handler: per-invocation log keys, the step's typed error passed through. */
export function stepHandler<E extends { deviceId?: string; executionName?: string; input?: { deviceId?: string } }, R>(
  step: (event: E, deps: StepDeps) => Promise<R>,
): (event: E) => Promise<R> {
  return async (event) => {
    logger.resetKeys();
    logger.appendKeys({ deviceId: event.deviceId ?? event.input?.deviceId, executionName: event.executionName });
    try {
      return await step(event, lambdaDeps());
    } catch (error) {
      logger.error('step failed', { error: error as Error });
      throw error;
    }
  };
}
