import type { ArchiveCatalog } from '../../lambdas/archive/catalog';
import { closestName } from '../../lambdas/common/closest-name';
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

/**
 * A `--device` that is neither in the config nor in the archive is a typo, not an empty result:
 * a usage error naming the close id when there is one. (A device removed from the config but
 * still in the archive is listed: the archive outlives the config.)
 */
export function requireKnownDevice(config: RunnerConfig, deviceId: string | undefined, catalog: Pick<ArchiveCatalog, 'backups' | 'incomplete' | 'danglingManifests' | 'unreadableManifests'>): void {
  if (deviceId === undefined || config.devices.some((d) => d.id === deviceId)) return;
  const inArchive = catalog.backups.length + catalog.incomplete.length + catalog.danglingManifests.length + catalog.unreadableManifests.length > 0;
  if (inArchive) return;
  const ids = config.devices.map((d) => d.id);
  const guess = closestName(deviceId, ids);
  throw new ConfigError(`no device "${deviceId}" in the config or the archive${guess ? ` (did you mean "${guess}"?)` : ''}; devices in the config: ${ids.join(', ')}`);
}

/** The devices a policy command (prune) works on: the one named, or every device in the config. */
export function configuredDevices(config: RunnerConfig, deviceId: string | undefined): DeviceConfig[] {
  return deviceId === undefined ? config.devices : [findDevice(config, deviceId)];
}
