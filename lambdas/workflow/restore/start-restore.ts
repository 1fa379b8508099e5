import { BackupRunnerError } from '../../common/errors';
import type { RestoreState } from '../../restore/state';
import type { StepDeps } from '../deps';
import { withDriver } from '../deps';
import { checkedHandle } from '../device-answers';

/** Starts the restore of the uploaded backup; the device reboots from here on. */
export async function startRestore(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  const uploaded = state.device?.handle;
  if (!uploaded) throw new BackupRunnerError(`nothing was uploaded to start a restore from`, { deviceId: state.targetDeviceId });
  return withDriver(deps, state.targetDeviceId, async (driver, device) => {
    const started = deps.now();
    const handle = checkedHandle(await driver.restore!.startRestore(uploaded), device.id);
    deps.log.info('restore started on the device', { deviceId: device.id, key: state.backup.key });
    return {
      ...state,
      status: 'restoring',
      // The uploaded copy's handle stays as it was; the running restore's handle may add to it.
      device: { ...state.device!, handle: { ...uploaded, ...handle } },
      restore: { startedAt: started.toISOString(), handle },
      poll: {
        attempt: 0,
        waitSeconds: device.restorePoll.intervalSeconds,
        deadline: new Date(started.getTime() + device.restorePoll.timeoutMinutes * 60_000).toISOString(),
        unreachableSince: null,
        unreachablePolls: 0,
      },
    };
  });
}
