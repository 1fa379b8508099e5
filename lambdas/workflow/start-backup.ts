import { ConfigError } from '../common/errors';
import { RUNNER_MARKER } from '../drivers/driver';
import type { StepDeps } from './deps';
import { withDriver } from './deps';
import { checkedHandle } from './device-answers';
import { runIdFor } from './run-id';
import type { RunState, StartBackupEvent } from './run-state';

/** First step: make room on the device if needed and start the backup there. */
export async function startBackup(event: StartBackupEvent, deps: StepDeps): Promise<RunState> {
  const deviceId = event.input?.deviceId;
  if (typeof deviceId !== 'string' || deviceId === '') {
    throw new ConfigError('the execution input needs a "deviceId" (e.g. {"deviceId": "ar11-lab"})');
  }
  const attempt = attemptOf(event.input.attempt);
  const runId = runIdFor(event.executionName, attempt);
  const now = deps.now();
  return withDriver(deps, deviceId, async (driver, device) => {
    const description = [`${RUNNER_MARKER} ${runId}`, event.executionName, device.description].filter(Boolean).join(' ');
    deps.log.info('starting backup', { deviceId, executionName: event.executionName, runId, attempt });
    const handle = checkedHandle(await driver.startBackup({ runId, description }), deviceId);
    deps.log.info('backup started on the device', { deviceId, backupId: handle.backupId });
    return {
      deviceId,
      deviceType: device.type,
      runId,
      executionName: event.executionName,
      occurrence: event.input.occurrence ?? null,
      attempt,
      startedAt: now.toISOString(),
      handle,
      status: 'running',
      poll: {
        attempt: 0,
        waitSeconds: device.poll.intervalSeconds,
        deadline: new Date(now.getTime() + device.poll.timeoutMinutes * 60_000).toISOString(),
      },
    };
  });
}

/** The attempt number from the execution input: a whole number from 1; absent (a first run) is 1. */
function attemptOf(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`the execution input's "attempt" must be a whole number from 1, not ${JSON.stringify(value)}`);
  }
  return value;
}
