import type { RestoreState } from '../../restore/state';
import type { StepDeps } from '../deps';
import { withDriver } from '../deps';

/**
 * Removes the copy uploaded for the restore, so it does not take one of the device's backup
 * slots. Runs after every restore that got as far as an upload, failed ones included.
 */
export async function removeUploadedCopy(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  const handle = state.device?.handle;
  if (!handle) return state;
  return withDriver(deps, state.targetDeviceId, async (driver, device) => {
    await driver.restore!.removeUploaded(handle);
    deps.log.info('uploaded copy removed from the device', { deviceId: device.id });
    return { ...state, uploadedCopyRemoved: true };
  });
}
