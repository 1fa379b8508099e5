import { BackupRunnerError, DeviceOperationFailed, OperationTimedOut, withDevice } from '../../common/errors';
import { findDevice } from '../../config/load';
import { pollFailureDecision } from '../../restore/reboot-window';
import type { RestoreState } from '../../restore/state';
import { nextPollWait } from '../backoff';
import type { StepDeps } from '../deps';
import { withDriver } from '../deps';
import { boundedProgress } from '../device-answers';

/**
 * One look at the restore. Completed ends the loop with the recovery time; failed ends the run
 * with the device's message; refused connections, 5xx and 401 are the reboot and are tolerated
 * for restorePoll.rebootWindowMinutes in a row (the loop waits and looks again), then time out.
 */
export async function pollRestore(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  const device = findDevice(deps.config, state.targetDeviceId);
  const poll = state.poll;
  const handle = state.restore?.handle;
  if (!poll || !handle || !state.restore) throw new BackupRunnerError('no restore was started to poll', { deviceId: device.id });
  const attempt = poll.attempt + 1;
  const waitSeconds = nextPollWait(attempt, { intervalSeconds: device.restorePoll.intervalSeconds, maxIntervalSeconds: device.restorePoll.maxIntervalSeconds });
  let progress;
  try {
    progress = boundedProgress(await withDriver(deps, device.id, (driver) => driver.restore!.pollRestore(handle)));
  } catch (error) {
    const now = deps.now();
    const named = error instanceof Error ? error : new Error(String(error));
    const decision = pollFailureDecision({
      error: { name: named.name, message: named.message },
      now,
      unreachableSince: poll.unreachableSince ?? undefined,
      rebootWindowMinutes: device.restorePoll.rebootWindowMinutes,
      deadline: poll.deadline,
    });
    if (decision.action === 'fail') throw error;
    if (decision.action === 'give-up') throw withDevice(new OperationTimedOut(`restore of ${state.backup.key}: ${decision.message}`), device.id);
    deps.log.info('device not answering during the restore (reboot); waiting', { deviceId: device.id, since: decision.unreachableSince, error: named.message });
    return {
      ...state,
      poll: { ...poll, attempt, waitSeconds, unreachableSince: decision.unreachableSince, unreachablePolls: poll.unreachablePolls + 1, detail: decision.detail },
    };
  }
  const now = deps.now();
  if (progress.state === 'failed') {
    throw withDevice(new DeviceOperationFailed(`the device reports the restore of ${state.backup.key} failed: ${progress.reason}`), device.id);
  }
  if (progress.state === 'completed') {
    const outcome = {
      withErrors: progress.withErrors,
      ...(progress.detail ? { detail: progress.detail } : {}),
      completedAt: now.toISOString(),
      recoveryMs: now.getTime() - Date.parse(state.requestedAt),
      deviceOutageMs: now.getTime() - Date.parse(state.restore.startedAt),
    };
    deps.log.info(progress.withErrors ? 'restore completed with errors' : 'restore completed', { deviceId: device.id, ...outcome });
    return { ...state, status: 'completed', poll: { ...poll, attempt, unreachableSince: null }, outcome };
  }
  if (now.getTime() > Date.parse(poll.deadline)) {
    throw withDevice(
      new OperationTimedOut(`the restore of ${state.backup.key} is still running after ${device.restorePoll.timeoutMinutes} minutes (restorePoll.timeoutMinutes); giving up`),
      device.id,
    );
  }
  return { ...state, poll: { ...poll, attempt, waitSeconds, unreachableSince: null, ...(progress.detail ? { detail: progress.detail } : {}) } };
}
