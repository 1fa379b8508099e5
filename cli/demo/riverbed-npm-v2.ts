import { expectedNpmV2Digest, startNpmV2Simulator } from '../../simulators/riverbed-npm-v2';
import type { DemoDeviceFactory } from './demo-device';

const SEED = 12;
const SIZE = 24 * 1024 * 1024;

/**
 * A Riverbed AppResponse with the npm.backup 2.0 API over self-signed HTTPS, pinned by
 * fingerprint, backing up to its local server (downloaded over HTTPS by the inferred link).
 * The demo keeps to npm packages, so it needs no sshd; the remote-filer path over SFTP is
 * exercised by the integration tests against a real OpenSSH sshd.
 */
export const riverbedNpmV2Demo: DemoDeviceFactory = async () => {
  const simulator = await startNpmV2Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 1200, seed: SEED, hostname: 'ar12-demo' });
  return {
    config: {
      id: 'ar12-demo',
      type: 'riverbed-npm-v2',
      url: simulator.url,
      secret: 'backup-runner/ar12-demo',
      tls: { fingerprint256: simulator.fingerprint256 },
      server: { name: 'local', local: true },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    },
    secrets: { 'backup-runner/ar12-demo': { username: 'admin', password: 'admin' } },
    served: async (result) => (result.deviceBackupId ? expectedNpmV2Digest(SEED, result.deviceBackupId, SIZE) : undefined),
    close: () => simulator.close(),
  };
};
