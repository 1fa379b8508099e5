import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startSftpServer } from '../../simulators/common/sftp-server';
import { startFlowGatewaySimulator } from '../../simulators/riverbed-flow-gateway';
import type { DemoDeviceFactory } from './demo-device';
import { digestOfDirectoryTar } from './directory-tar';

const SEED = 13;
const SIZE = 12 * 1024 * 1024;
const LANDING_PATH = '/srv/backups/fg-demo';

/**
 * A Riverbed Flow Gateway over self-signed HTTPS, pinned by fingerprint, that pushes its backup
 * directory to a landing host; the runner pulls the directory over SFTP as one tar, the host key
 * pinned by its SHA256 fingerprint. The landing host is the in-process SFTP server (ssh2), so the
 * demo needs no sshd; the integration tests run the same driver against a real OpenSSH sshd.
 *
 * The landed copy is kept (landing.removeAfterArchive: false) so that the check can rebuild,
 * from the files the gateway wrote, the tar the archive must hold; removing it after the archive
 * is covered by the integration tests.
 */
export const riverbedFlowGatewayDemo: DemoDeviceFactory = async ({ workDir }) => {
  const root = join(workDir, 'fg-landing-host');
  await mkdir(join(root, LANDING_PATH), { recursive: true });
  const landing = await startSftpServer({ root, username: 'fg-landing' });
  const simulator = await startFlowGatewaySimulator({
    tls: true,
    backupSize: SIZE,
    backupDurationMs: 1500,
    seed: SEED,
    landing: { host: landing.host, username: landing.username, password: landing.password, root: landing.root },
  }).catch(async (error: unknown) => {
    await landing.close();
    throw error;
  });
  return {
    config: {
      id: 'fg-demo',
      type: 'riverbed-flow-gateway',
      url: simulator.url,
      secret: 'backup-runner/fg-demo',
      tls: { fingerprint256: simulator.fingerprint256 },
      landing: {
        host: landing.host,
        port: landing.port,
        path: LANDING_PATH,
        hostKey: landing.hostKeyFingerprint,
        secret: 'backup-runner/fg-demo-landing',
        removeAfterArchive: false,
      },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    },
    secrets: {
      'backup-runner/fg-demo': { username: 'admin', password: 'admin', securityPassword: 'demo-encryption-key' },
      // The gateway pushes with the password; the runner pulls with the key.
      'backup-runner/fg-demo-landing': { username: landing.username, password: landing.password, privateKey: landing.clientPrivateKey },
    },
    served: async () => {
      const made = simulator.backups();
      const [backup] = made;
      if (made.length !== 1 || !backup) return NOT_SERVED;
      const tar = await digestOfDirectoryTar(backup.subdir);
      // The landed files must still be exactly the ones the gateway wrote, and no others.
      const top = basename(backup.subdir);
      const wrote = Object.fromEntries(Object.entries(backup.files).map(([name, sha]) => [`${top}/${name}`, sha]));
      if (JSON.stringify(sortKeys(tar.files)) !== JSON.stringify(sortKeys(wrote))) return NOT_SERVED;
      return { size: tar.size, sha256: tar.sha256 };
    },
    close: async () => {
      await simulator.close();
      await landing.close();
    },
  };
};

/** What the check reports when the gateway made no single backup to compare with: never equal to an archive. */
const NOT_SERVED = { size: -1, sha256: 'the gateway made no single backup to compare with' };

function sortKeys(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
