import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../common/errors';
import type { Log } from '../common/log';
import { secretsManagerSource } from '../common/secrets';
import { parseConfig } from '../config/load';
import { UPLOAD_TO_DEVICE_TIMEOUT_MINUTES } from '../restore/upload-time';
import type { StepDeps } from '../workflow/deps';
import { runGuardedStep, type WorkflowStep } from '../workflow/guarded-step';

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
    uploadTimeLimitSeconds: UPLOAD_TO_DEVICE_TIMEOUT_MINUTES * 60,
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
    debug: (message, extra) => log.debug(message, redactSecrets(extra ?? {})),
    info: (message, extra) => log.info(message, redactSecrets(extra ?? {})),
    warn: (message, extra) => log.warn(message, redactSecrets(extra ?? {})),
    error: (message, extra) => log.error(message, redactSecrets(extra ?? {})),
  };
}

/**
 * Field names whose values are credentials in any driver's secret or request (see each driver's
 * secret.ts). Steps never log them; this is the net under that rule, for a future
 * `log.debug('request', { headers })` that would.
 */
const SECRET_FIELD = /^(password|passphrase|privatekey|token|access_token|refresh_token|securitypassword|security_pwd|sshpassword|sshprivatekey|sshpassphrase|authorization|cookie|set-cookie|sec|user_credentials|secret_value|secretstring)$/i;

/** A copy of `extra` with the values of credential-named fields (at any depth) replaced by "[redacted]". */
export function redactSecrets(extra: Record<string, unknown>): Record<string, unknown> {
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > 6 || value === null || typeof value !== 'object' || value instanceof Error) return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '[redacted]' : walk(v, depth + 1)]));
  };
  return walk(extra, 0) as Record<string, unknown>;
}

/** What a step's event says about its device and execution, whichever step it is. */
export interface StepEventKeys {
  deviceId?: string;
  executionName?: string;
}

/**
 * The log keys of a step's event: the first steps get `{input: {deviceId}, executionName}`, the
 * others the run state `{deviceId, executionName, ...}`, DecideRetry `{state: RunState, input}`.
 */
export function logKeysOf(event: unknown): StepEventKeys {
  const o = (event ?? {}) as { deviceId?: unknown; executionName?: unknown; input?: { deviceId?: unknown }; state?: { deviceId?: unknown; executionName?: unknown } };
  const str = (...values: unknown[]) => values.find((v): v is string => typeof v === 'string' && v !== '');
  const deviceId = str(o.deviceId, o.input?.deviceId, o.state?.deviceId);
  const executionName = str(o.executionName, o.state?.executionName);
  return { ...(deviceId ? { deviceId } : {}), ...(executionName ? { executionName } : {}) };
}

/**
 * Wraps a step as a Lambda handler: every log line of the invocation carries `deviceId` and
 * `executionName` (and Lambda's request id); the step runs behind runGuardedStep (secret values
 * scrubbed, device text bounded); its typed error keeps its class and name (Step Functions matches
 * the name) and is logged once as `step failed` before it is rethrown.
 */
export function stepHandler<E, R>(step: WorkflowStep<E, R>): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    logger.appendKeys({ deviceId: 'unknown', executionName: 'unknown', ...logKeysOf(event) });
    try {
      return await runGuardedStep(step, event, lambdaDeps());
    } catch (error) {
      logger.error('step failed', { error: error as Error });
      throw error;
    }
  };
}
