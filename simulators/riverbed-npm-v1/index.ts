import { contentDigest } from '../common/content';
import { certificateFields, checkNonNegativeIntegers, serveDevice } from '../common/device-server';
import { MAX_BACKUPS, NpmV1Device, type DeviceSettings } from './device';
import type { NpmV1Simulator, NpmV1SimulatorOptions } from './types';

export type { NpmV1Faults, NpmV1Simulator, NpmV1SimulatorOptions, SimBackupRecord, SimRestoreRecord, SimRequestRecord, SimUploadRecord } from './types';
export { API_BASE, MAX_BACKUPS } from './device';

const MiB = 1024 * 1024;

/** Starts a Riverbed npm.backup 1.0 appliance on loopback (HTTP, or self-signed HTTPS with `tls`). */
export async function startNpmV1Simulator(options: NpmV1SimulatorOptions = {}): Promise<NpmV1Simulator> {
  checkOptions(options);
  const faults = options.faults ?? {};
  const host = options.host ?? '127.0.0.1';
  const { server, device } = await serveDevice({ ...options, host }, ({ port }) => {
    const seed = options.seed ?? port;
    const settings: DeviceSettings = {
      identity: {
        hostname: options.hostname ?? 'ar11-sim',
        model: options.model ?? 'SCAN-AR-VE',
        serial: options.serial ?? `SIM${String(seed).padStart(9, '0')}`,
        swVersion: options.swVersion ?? '11.13.0',
      },
      username: options.username ?? 'admin',
      password: options.password ?? 'admin',
      backupSize: options.backupSize ?? 4 * MiB,
      backupDurationMs: options.backupDurationMs ?? 1000,
      uploadProcessingMs: options.uploadProcessingMs ?? 200,
      rebootMs: options.rebootMs ?? 2000,
      rebootRefusals: options.rebootRefusals ?? 0,
      clockSkewMs: options.clockSkewMs ?? -120_000,
      tokenApi: options.tokenApi ?? '2.0',
      tokenTtlSeconds: options.tokenTtlSeconds ?? 900,
      seed,
      host,
    };
    return new NpmV1Device(settings, faults, options.existingBackups ?? []);
  });

  return {
    url: server.url,
    ...certificateFields(server),
    seed: options.seed ?? server.port,
    faults,
    backups: () => device.backups(),
    restores: () => device.restores(),
    uploads: () => device.uploads(),
    requests: () => device.requests(),
    replaceBackupFile: (backupId, change) => device.replaceBackupFile(backupId, change),
    close: () => server.close(),
  };
}

/** Size and SHA-256 (hex) of the file a simulator with `seed` serves for `backupId`, without a server. */
export function expectedBackupDigest(seed: number, backupId: string, size: number): { size: number; sha256: string } {
  return contentDigest({ seed, id: backupId, size });
}

function checkOptions(options: NpmV1SimulatorOptions): void {
  checkNonNegativeIntegers('npm.backup 1.0 simulator', options, ['backupSize', 'backupDurationMs', 'uploadProcessingMs', 'rebootMs', 'rebootRefusals', 'tokenTtlSeconds', 'port']);
  if ((options.existingBackups?.length ?? 0) > MAX_BACKUPS) {
    throw new RangeError(`npm.backup 1.0 simulator: existingBackups has ${options.existingBackups!.length} entries; the appliance holds at most ${MAX_BACKUPS}`);
  }
}
