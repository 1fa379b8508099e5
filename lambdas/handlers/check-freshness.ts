import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../common/errors';
import { parseConfig } from '../config/load';
import { powertoolsMetricSink } from '../monitoring/aws-sinks';
import { checkFreshness, type FreshnessDeps, type FreshnessOutcome } from '../monitoring/check-freshness';
import { logger, powertoolsLog, requireEnv } from './lambda-deps';

let cached: FreshnessDeps | undefined;

function freshnessDeps(): FreshnessDeps {
  if (cached) return cached;
  const embedded = process.env.RUNNER_CONFIG_JSON;
  if (!embedded) throw new ConfigError('this Lambda was built without its config (RUNNER_CONFIG_JSON); redeploy with `cdk deploy`');
  cached = {
    config: parseConfig(JSON.parse(embedded), { source: 'embedded config' }),
    archive: { bucket: requireEnv('ARCHIVE_BUCKET'), s3: new S3Client({}) },
    metrics: powertoolsMetricSink(),
    log: powertoolsLog(logger),
    now: () => new Date(),
  };
  return cached;
}

/** Target of the freshness rule: publishes each scheduled device's newest backup age. */
export const handler = async (): Promise<FreshnessOutcome> => {
  logger.resetKeys();
  try {
    return await checkFreshness(freshnessDeps());
  } catch (error) {
    logger.error('freshness check failed', { error: error as Error });
    throw error;
  }
};
