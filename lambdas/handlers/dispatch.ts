import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ConfigError } from '../common/errors';
import { parseConfig } from '../config/load';
import { eventBridgeSkipSink } from '../dispatcher/eventbridge-sink';
import { runDispatchTick, type DispatcherDeps, type TickOutcome } from '../dispatcher/run-tick';
import { s3DispatcherStateStore } from '../dispatcher/s3-state-store';
import { sfnBackupExecutions } from '../dispatcher/sfn-executions';
import { logger, powertoolsLog, requireEnv } from './lambda-deps';

let cached: DispatcherDeps | undefined;

/** Built once per container: clients, the embedded config, the state location. */
function dispatcherDeps(): DispatcherDeps {
  if (cached) return cached;
  const embedded = process.env.RUNNER_CONFIG_JSON;
  if (!embedded) throw new ConfigError('this Lambda was built without its config (RUNNER_CONFIG_JSON); redeploy with `cdk deploy`');
  const sfn = new SFNClient({});
  cached = {
    config: parseConfig(JSON.parse(embedded), { source: 'embedded config' }),
    executions: sfnBackupExecutions(sfn, requireEnv('BACKUP_STATE_MACHINE_ARN')),
    store: s3DispatcherStateStore(new S3Client({}), requireEnv('ARCHIVE_BUCKET'), requireEnv('DISPATCHER_STATE_KEY')),
    events: eventBridgeSkipSink(new EventBridgeClient({})),
    log: powertoolsLog(logger),
    now: () => new Date(),
  };
  return cached;
}

/** The EventBridge rule's target: one tick. The event itself carries nothing the tick needs. */
export const handler = async (): Promise<TickOutcome> => {
  logger.resetKeys();
  try {
    return await runDispatchTick(dispatcherDeps());
  } catch (error) {
    logger.error('dispatcher tick failed', { error: error as Error });
    throw error;
  }
};
