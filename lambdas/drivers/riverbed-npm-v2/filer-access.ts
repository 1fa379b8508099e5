import { ConfigError, SecretError } from '../../common/errors';
import type { NpmV2DeviceConfig } from '../../config/schema';
import { LANDING_SECRET_FIELDS, parseSshCredentials, type SshCredentials, type SshEndpoint } from '../../transfer/sftp';
import type { DriverContext } from '../driver';

/** A remote filer as config gives it, with the account from its secret. */
export interface RemoteFiler {
  name: string;
  host: string;
  port: number;
  path: string;
  hostKey: string;
  credentials: SshCredentials;
}

/** The remote filer of the config, its secret read and checked; undefined for a local server. */
export async function remoteFilerOf(device: NpmV2DeviceConfig, context: DriverContext): Promise<RemoteFiler | undefined> {
  const server = device.server;
  if (server.local) return undefined;
  if (!server.host || !server.path || !server.hostKey || !server.secret) {
    // The schema requires these for a remote filer; a hand-built config object may not have them.
    throw new ConfigError(`${device.id}: server "${server.name}" is remote but lacks host, path, hostKey or secret`);
  }
  if (!context.readSecret) {
    throw new SecretError(`the filer secret "${server.secret}" cannot be read in this step (no secret reader given to the driver)`, { deviceId: device.id });
  }
  const credentials = parseSshCredentials(await context.readSecret(server.secret), server.secret, device.id, LANDING_SECRET_FIELDS);
  return { name: server.name, host: server.host, port: server.port, path: server.path, hostKey: server.hostKey, credentials };
}

export function filerEndpoint(device: NpmV2DeviceConfig, filer: RemoteFiler): SshEndpoint {
  return {
    deviceId: device.id,
    what: 'filer',
    host: filer.host,
    port: filer.port,
    hostKey: filer.hostKey,
    hostKeyField: 'server.hostKey',
    connectSeconds: device.timeouts.connectSeconds,
    idleSeconds: device.timeouts.idleSeconds,
  };
}
