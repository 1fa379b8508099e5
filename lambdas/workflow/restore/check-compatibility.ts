import { typeProblems } from '../../restore/compatibility';
import { RestoreRefused } from '../../restore/errors';
import type { RestoreState } from '../../restore/state';
import { judgeUploadTime, localRestoreCommand } from '../../restore/upload-time';
import type { StepDeps } from '../deps';
import { withDriver } from '../deps';

/**
 * Asks the target device's driver whether this backup may be restored there (software version
 * unless forced, driver-specific settings), and whether its upload fits in one UploadToDevice
 * invocation where one is time-limited (never waived by force: it would only fail later).
 * Read-only on the device: a refusal changes nothing.
 */
export async function checkCompatibility(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  return withDriver(deps, state.targetDeviceId, async (driver, device) => {
    const reasons = typeProblems({ deviceId: state.backup.deviceId, deviceType: state.backup.facts.deviceType }, device);
    if (!driver.restore) reasons.push(`the ${device.type} driver cannot restore archived backups`);
    const uploadTime = judgeUploadTime({
      size: state.backup.size,
      megabytesPerSecond: device.restoreUpload.megabytesPerSecond,
      limitSeconds: deps.uploadTimeLimitSeconds,
      localCommand: localRestoreCommand(state.backup.deviceId, device.id, state.backup.key),
    });
    if (!uploadTime.fits) reasons.push(uploadTime.problem);
    if (!reasons.length) reasons.push(...(await driver.restore!.checkCompatibility(state.backup.facts, { force: state.force })));
    if (reasons.length) throw new RestoreRefused(`restore of ${state.backup.key} refused: ${reasons.join('; ')}`);
    const version = state.backup.facts.device.softwareVersion;
    const versionCheck = state.force
      ? `software version check waived (--force)${version ? `; the backup is from ${version}` : ''}`
      : `software version ${version ?? '(not recorded)'} accepted by the ${device.type} driver`;
    deps.log.info('restore compatible', { deviceId: device.id, key: state.backup.key, force: state.force });
    return { ...state, checks: [...state.checks, versionCheck, ...(uploadTime.fits ? [uploadTime.note] : [])], status: 'checked' };
  });
}
