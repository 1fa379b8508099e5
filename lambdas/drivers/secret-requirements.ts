import type { DeviceConfig } from '../config/schema';
import { LANDING_SECRET_FIELDS, parseSshCredentials } from '../transfer/sftp';
import { parseQRadarCredentials } from './qradar/secret';
import { parseFlowGatewayCredentials, parseLandingAccount } from './riverbed-flow-gateway/secret';
import { parseNpmCredentials } from './riverbed-npm-v1/secret';
import { parseStorwareCredentials } from './storware/secret';

/**
 * Every secret a device's config names, with the check its driver applies when it reads it: so a
 * caller can read and check them all before anything starts (the CLI does, for the devices of a
 * command), instead of finding a missing field per device mid-run. The checks are the drivers' own
 * parsers, so the two cannot disagree; they throw SecretError naming the secret and the field.
 */
export interface SecretRequirement {
  secretName: string;
  deviceId: string;
  /** What the secret is for, as the device's page in docs/devices/ calls it. */
  role: string;
  check(value: unknown): void;
}

export function secretRequirements(device: DeviceConfig): SecretRequirement[] {
  const own = (check: (value: unknown, name: string, id: string) => unknown, role = 'device account'): SecretRequirement => ({
    secretName: device.secret,
    deviceId: device.id,
    role,
    check: (value) => void check(value, device.secret, device.id),
  });
  switch (device.type) {
    case 'riverbed-npm-v1':
      return [own(parseNpmCredentials)];
    case 'riverbed-npm-v2': {
      const filer = device.server.secret;
      return [
        own(parseNpmCredentials),
        ...(filer
          ? [{ secretName: filer, deviceId: device.id, role: 'filer account (server.secret)', check: (v: unknown) => void parseSshCredentials(v, filer, device.id, LANDING_SECRET_FIELDS) }]
          : []),
      ];
    }
    case 'riverbed-flow-gateway': {
      const landing = device.landing.secret;
      return [
        own(parseFlowGatewayCredentials),
        { secretName: landing, deviceId: device.id, role: 'landing host account (landing.secret)', check: (v: unknown) => void parseLandingAccount(v, landing, device.id) },
      ];
    }
    case 'qradar':
      return [own(parseQRadarCredentials, 'SEC token and console SSH account')];
    case 'storware':
      return [own(parseStorwareCredentials)];
  }
}
