import { contentDigest } from '../common/content';
import { certificateFields, checkNonNegativeIntegers, serveDevice } from '../common/device-server';
import { NpmV2Device } from './device';
import type { NpmV2Simulator, NpmV2SimulatorOptions } from './types';

export type { NpmV2Faults, NpmV2SimBackup, NpmV2SimServer, NpmV2Simulator, NpmV2SimulatorOptions } from './types';
export { LOCAL_SERVER_ID } from './device';

/** Starts a Riverbed npm.backup 2.0 device on loopback (HTTP, or self-signed HTTPS with `tls`). */
export async function startNpmV2Simulator(options: NpmV2SimulatorOptions = {}): Promise<NpmV2Simulator> {
  checkNonNegativeIntegers('npm.backup 2.0 simulator', options, ['backupSize', 'backupDurationMs', 'rebootMs', 'rebootRefusals']);
  const faults = options.faults ?? {};
  const { server, device } = await serveDevice(options, ({ port }) => {
    const seed = options.seed ?? port;
    return new NpmV2Device(
      {
        identity: {
          hostname: options.hostname ?? 'ar12-sim',
          model: options.model ?? 'SCAN-AR-VE',
          serial: options.serial ?? `SIM2${String(seed).padStart(8, '0')}`,
          swVersion: options.swVersion ?? '12.1.0',
        },
        username: options.username ?? 'admin',
        password: options.password ?? 'admin',
        backupSize: options.backupSize ?? 2 * 1024 * 1024,
        backupDurationMs: options.backupDurationMs ?? 800,
        rebootMs: options.rebootMs ?? 1500,
        rebootRefusals: options.rebootRefusals ?? 0,
        seed,
      },
      faults,
      options.servers ?? [],
    );
  });
  return {
    url: server.url,
    ...certificateFields(server),
    seed: options.seed ?? server.port,
    faults,
    servers: () => device.servers(),
    backups: () => device.backups(),
    restores: () => device.restores(),
    requests: () => device.requests(),
    close: async () => {
      device.stop();
      await server.close();
    },
  };
}

/** Size and SHA-256 of the file a simulator with `seed` makes for `backupId`. */
export function expectedNpmV2Digest(seed: number, backupId: string, size: number): { size: number; sha256: string } {
  return contentDigest({ seed, id: backupId, size });
}
