import { ConfigError } from '../common/errors';
import type { DeviceType } from '../config/schema';
import type { DriverFactory } from './driver';
import { createQRadarDriver } from './qradar';
import { createFlowGatewayDriver } from './riverbed-flow-gateway';
import { createRiverbedNpmV1Driver } from './riverbed-npm-v1';
import { createRiverbedNpmV2Driver } from './riverbed-npm-v2';
import { createStorwareDriver } from './storware';

/** One driver per device `type`; a new device API adds its factory here (and its schema in config/schema.ts). */
const DRIVERS: Record<DeviceType, DriverFactory> = {
  'riverbed-npm-v1': createRiverbedNpmV1Driver,
  'riverbed-flow-gateway': createFlowGatewayDriver,
  qradar: createQRadarDriver,
  'riverbed-npm-v2': createRiverbedNpmV2Driver,
  storware: createStorwareDriver,
};

/** The driver factory for a device type, or a ConfigError naming the type and the known ones. */
export function driverFor(type: DeviceType): DriverFactory {
  // `type` comes from validated config, but a handle or an old config may carry a type this build does not know.
  const factory = Object.hasOwn(DRIVERS, type) ? DRIVERS[type] : undefined;
  if (!factory) {
    throw new ConfigError(`no driver for device type "${String(type)}"; known types: ${Object.keys(DRIVERS).join(', ')}`);
  }
  return factory;
}
