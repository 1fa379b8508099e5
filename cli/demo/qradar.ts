import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startSftpServer } from '../../simulators/common/sftp-server';
import { startQRadarSimulator } from '../../simulators/qradar';
import type { DemoDeviceFactory } from './demo-device';

const SEED = 14;
const SIZE = 16 * 1024 * 1024;
const TOKEN = 'demo-sec-token';

/**
 * An IBM QRadar console: its backup_and_restore API over self-signed HTTPS (SEC token), pinned
 * by fingerprint, and its /store/backup over SFTP (key login, host key pinned by its SHA256
 * fingerprint), which the in-process SFTP server (ssh2) serves, so the demo needs no sshd; the
 * integration tests run the same driver against a real OpenSSH sshd.
 */
export const qradarDemo: DemoDeviceFactory = async ({ workDir }) => {
  const root = join(workDir, 'qradar-console');
  await mkdir(join(root, 'store', 'backup'), { recursive: true });
  const console_ = await startSftpServer({ root, username: 'backup-runner' });
  const simulator = await startQRadarSimulator({
    token: TOKEN,
    backupDirectory: join(console_.root, 'store', 'backup'),
    sshRoot: console_.root,
    backupSize: SIZE,
    backupDurationMs: 1500,
    seed: SEED,
  }).catch(async (error: unknown) => {
    await console_.close();
    throw error;
  });
  return {
    config: {
      id: 'qradar-demo',
      type: 'qradar',
      url: simulator.url,
      secret: 'backup-runner/qradar-demo',
      tls: { fingerprint256: simulator.fingerprint256 },
      backupType: 'CONFIG',
      ssh: { port: console_.port, hostKey: console_.hostKeyFingerprint },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    },
    secrets: { 'backup-runner/qradar-demo': { token: TOKEN, sshUsername: console_.username, sshPrivateKey: console_.clientPrivateKey } },
    served: async (result) => {
      if (!result.deviceBackupId) return undefined;
      const backup = simulator.backups().find((b) => String(b.id) === result.deviceBackupId);
      // The digest the console computed while it wrote the file, not a re-read of what is there now.
      const sha256 = backup?.content_file_path ? simulator.writtenFiles()[basename(backup.content_file_path)] : undefined;
      if (!backup || backup.size_on_disk === null || !sha256) return { size: -1, sha256: `the console has no backup ${result.deviceBackupId}` };
      return { size: backup.size_on_disk, sha256 };
    },
    close: async () => {
      await simulator.close();
      await console_.close();
    },
  };
};
