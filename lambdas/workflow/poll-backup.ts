import { DeviceOperationFailed, OperationTimedOut } from '../common/errors';
import { nextPollWait } from './backoff';
import type { StepDeps } from './deps';
import { withDriver } from './deps';
import { boundedProgress, checkedHandle } from './device-answers';
import type { RunState } from './run-state';

/** One look at the device: completed moves on, running waits longer, failed or overdue ends the run. */
export async function pollBackup(state: RunState, deps: StepDeps): Promise<RunState> {
  return withDriver(deps, state.deviceId, async (driver, device) => {
    const progress = boundedProgress(await driver.pollBackup(state.handle));
    deps.log.debug('polled backup', { deviceId: state.deviceId, backupId: state.handle.backupId, progress });
    if (progress.state === 'failed') {
      throw new DeviceOperationFailed(`the device reports backup ${state.handle.backupId} failed: ${progress.reason}`);
    }
    if (progress.state === 'completed') {
      const handle = progress.handle ? checkedHandle({ ...state.handle, ...progress.handle, backupId: state.handle.backupId }, state.deviceId) : state.handle;
      return { ...state, handle, status: 'completed', poll: { ...state.poll, attempt: state.poll.attempt + 1, detail: progress.detail } };
    }
    if (deps.now().getTime() > Date.parse(state.poll.deadline)) {
      throw new OperationTimedOut(
        `backup ${state.handle.backupId} is still running after ${device.poll.timeoutMinutes} minutes (poll.timeoutMinutes); giving up`,
      );
    }
    const attempt = state.poll.attempt + 1;
    return {
      ...state,
      status: 'running',
      poll: { ...state.poll, attempt, waitSeconds: nextPollWait(attempt, device.poll), detail: progress.detail },
    };
  });
}
