import { BackupRunnerError } from '../common/errors';
import type { StepDeps } from './deps';
import { withDriver } from './deps';
import type { RunState } from './run-state';

/** Last step: free the device's backup slot, only once the archive is committed. */
export async function deleteDeviceCopy(state: RunState, deps: StepDeps): Promise<RunState> {
  if (!state.archive?.manifestKey) {
    // The state machine only gets here after TransferToArchive; refuse anyway rather than lose the only copy.
    throw new BackupRunnerError(`refusing to delete backup ${state.handle.backupId} from the device: it is not archived yet`, {
      deviceId: state.deviceId,
    });
  }
  return withDriver(deps, state.deviceId, async (driver) => {
    await driver.deleteBackup(state.handle);
    deps.log.info('device copy deleted', { deviceId: state.deviceId, backupId: state.handle.backupId });
    return { ...state, cleanup: { deviceCopyDeleted: true } };
  });
}
