import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { ScheduledEvent } from 'aws-lambda';
import { ConfigError } from '../common/errors';
import { parseConfig } from '../config/load';
import { buildFleetIndex } from '../fleet/fleet-index';
import { eventBridgeRunnerEventSink, powertoolsMetricSink } from '../monitoring/aws-sinks';
import { checkFreshness, type FreshnessDeps, type FreshnessOutcome } from '../monitoring/check-freshness';
import { dynamoDbHealthStore } from '../monitoring/dynamodb-health-store';
import { logger, powertoolsLog, requireEnv } from './lambda-deps';

let cached: { deps: FreshnessDeps; everyMs: number } | undefined;

function freshnessDeps(): { deps: FreshnessDeps; everyMs: number } {
  if (cached) return cached;
  const embedded = process.env.RUNNER_CONFIG_JSON;
  if (!embedded) throw new ConfigError('this Lambda was built without its config (RUNNER_CONFIG_JSON); redeploy with `cdk deploy`');
  const config = parseConfig(JSON.parse(embedded), { source: 'embedded config' });
  const everyMinutes = Number(requireEnv('CHECK_EVERY_MINUTES'));
  if (!(everyMinutes > 0)) throw new ConfigError(`environment variable CHECK_EVERY_MINUTES must be a number of minutes, not "${process.env.CHECK_EVERY_MINUTES}"`);
  cached = {
    deps: {
      fleet: buildFleetIndex(config.devices),
      prefix: config.archive.prefix,
      archive: { bucket: requireEnv('ARCHIVE_BUCKET'), s3: new S3Client({}) },
      health: dynamoDbHealthStore(new DynamoDBClient({}), requireEnv('HEALTH_TABLE')),
      metrics: powertoolsMetricSink(),
      events: eventBridgeRunnerEventSink(new EventBridgeClient({})),
      log: powertoolsLog(logger),
    },
    everyMs: everyMinutes * 60_000,
  };
  return cached;
}

/**
 * Target of the fleet health rule. The window is the event's scheduled `time` minus the rule's
 * period: a retried or late invocation keeps its scheduled time, so windows tile.
 */
export const handler = async (event?: Partial<Pick<ScheduledEvent, 'time'>>): Promise<FreshnessOutcome> => {
  logger.resetKeys();
  try {
    const { deps, everyMs } = freshnessDeps();
    const scheduled = event?.time ? new Date(event.time) : undefined;
    const at = scheduled && !Number.isNaN(scheduled.getTime()) ? scheduled : new Date();
    return await checkFreshness(deps, { at, everyMs });
  } catch (error) {
    logger.error('fleet health check failed', { error: error as Error });
    throw error;
  }
};
