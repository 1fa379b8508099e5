import { contentDigest } from '../common/content';
import { listen } from '../common/server';
import { NpmV2Device } from './device';
import type { NpmV2Simulator, NpmV2SimulatorOptions } from './types';

export type { NpmV2Faults, NpmV2SimBackup, NpmV2SimServer, NpmV2Simulator, NpmV2SimulatorOptions } from './types';
export { LOCAL_SERVER_ID } from './device';

/** Starts a Riverbed npm.backup 2.0 device on loopback (HTTP, or self-signed HTTPS with `tls`). */
export async function startNpmV2Simulator(options: NpmV2SimulatorOptions = {}): Promise<NpmV2Simulator> {
  for (const name of ['backupSize', 'backupDurationMs', 'rebootMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`npm.backup 2.0 simulator: option ${name} must be a non-negative integer, got ${value}`);
  }
  const faults = options.faults ?? {};
  let device: NpmV2Device | undefined;
  const server = await listen(
    (req, res) => {
      if (device) return device.handle(req, res);
      res.writeHead(503).end();
    },
    {
      host: options.host ?? '127.0.0.1',
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      acceptConnection: () => device?.isUp() ?? true,
    },
  );
  const seed = options.seed ?? server.port;
  const created = new NpmV2Device(
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
      seed,
    },
    faults,
    options.servers ?? [],
  );
  created.dropConnections = () => server.destroyConnections();
  device = created;
  return {
    url: server.url,
    ...(server.certificate ? { fingerprint256: server.certificate.fingerprint256, caPem: server.certificate.cert } : {}),
    seed,
    faults,
    servers: () => created.servers(),
    backups: () => created.backups(),
    restores: () => created.restores(),
    requests: () => created.requests(),
    close: async () => {
      created.stop();
      await server.close();
    },
  };
}

/** Size and SHA-256 of the file a simulator with `seed` makes for `backupId`. */
export function expectedNpmV2Digest(seed: number, backupId: string, size: number): { size: number; sha256: string } {
  return contentDigest({ seed, id: backupId, size });
}
