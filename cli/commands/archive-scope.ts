import { ConfigError } from '../../lambdas/common/errors';
import { findDevice } from '../../lambdas/config/load';
import { deviceIdSchema, type DeviceConfig, type RunnerConfig } from '../../lambdas/config/schema';

/**
 * `--device ID` of the archive commands (list, verify): any well-formed id, also one no longer in
 * the config, since the archive outlives the config entries that made it.
 */
export function archiveDeviceId(deviceId: string | undefined): string | undefined {
  if (deviceId === undefined) return undefined;
  if (!deviceIdSchema.safeParse(deviceId).success) {
    throw new ConfigError(`--device "${deviceId}" is not a device id: 1-40 characters of a-z, 0-9 and "-"`);
  }
  return deviceId;
}

/** The devices a policy command (prune) works on: the one named, or every device in the config. */
export function configuredDevices(config: RunnerConfig, deviceId: string | undefined): DeviceConfig[] {
  return deviceId === undefined ? config.devices : [findDevice(config, deviceId)];
}
