import { expectedBackupDigest, startNpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import type { DemoDeviceFactory } from './demo-device';

const SEED = 11;
const SIZE = 32 * 1024 * 1024;

/** A Riverbed AppResponse (npm.backup 1.0) over self-signed HTTPS, pinned by fingerprint; one backup made by hand already on it. */
export const riverbedNpmV1Demo: DemoDeviceFactory = async () => {
  const simulator = await startNpmV1Simulator({
    tls: true,
    backupSize: SIZE,
    backupDurationMs: 1500,
    seed: SEED,
    hostname: 'ar11-demo',
    existingBackups: [{ description: 'made by an operator by hand' }],
  });
  return {
    config: {
      id: 'ar11-demo',
      type: 'riverbed-npm-v1',
      url: simulator.url,
      secret: 'backup-runner/ar11-demo',
      tls: { fingerprint256: simulator.fingerprint256 },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
      // The demo restores onto this device: its simulated reboot takes 2 s.
      restorePoll: { intervalSeconds: 1, maxIntervalSeconds: 1, rebootWindowMinutes: 2, timeoutMinutes: 5 },
    },
    secrets: { 'backup-runner/ar11-demo': { username: 'admin', password: 'admin' } },
    served: async (result) => (result.deviceBackupId ? expectedBackupDigest(SEED, result.deviceBackupId, SIZE) : undefined),
    receivedUploads: () => simulator.uploads().filter((u) => u.complete),
    close: () => simulator.close(),
  };
};
