import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource, type SecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { DeviceConfig } from '../../lambdas/config/schema';
import type { ArchivedBackupFacts, Driver } from '../../lambdas/drivers/driver';
import { createQRadarDriver } from '../../lambdas/drivers/qradar';
import { createFlowGatewayDriver } from '../../lambdas/drivers/riverbed-flow-gateway';
import { startSftpServer, type SftpServer } from '../../simulators/common/sftp-server';
import { startQRadarSimulator, type QRadarSimulator } from '../../simulators/qradar';
import { startFlowGatewaySimulator, type FlowGatewaySimulator } from '../../simulators/riverbed-flow-gateway';
import { freshBucket, listKeys, objectStream, readObject, tarFileDigests } from './support/ssh-devices';

/**
 * The SSH device types with their simulators on the in-process SFTP server instead of sshd (the
 * path the demo takes): backup and restore round trips, where every path the simulators report
 * is the chrooted server's view (`landing.root`, `sshRoot`) and the files sit under its root.
 */
const FAST = {
  waitTimeOverrides: { WaitForDevice: 30 },
  retryIntervalOverrides: { StartBackup: 20, PollBackup: 20, TransferToArchive: 20, DeleteDeviceCopy: 20 },
};

let s3: EmbeddedS3;
let work: string;
let ssh: SftpServer | undefined;
let closeSim: (() => Promise<void>) | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ssh-in-process-'));
  s3 = await startEmbeddedS3({ directory: join(work, 's3'), buckets: [] });
});
afterAll(async () => {
  await s3?.close();
  await rm(work, { recursive: true, force: true });
});
afterEach(async () => {
  await closeSim?.();
  await ssh?.close();
  closeSim = undefined;
  ssh = undefined;
});

async function backUp(device: Record<string, unknown>, secrets: SecretSource) {
  const bucket = await freshBucket(s3.client, 'inproc');
  const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, devices: [device] });
  const [result] = await runBackupsLocally({ config, secrets, archive: { bucket, s3: s3.client }, log: silentLog, overrides: FAST });
  expect(result, result?.cause).toMatchObject({ status: 'SUCCEEDED' });
  const manifest = JSON.parse((await readObject(s3.client, bucket, `${result!.key}.manifest.json`)).toString('utf8'));
  return { result: result!, bucket, config, manifest, keys: await listKeys(s3.client, bucket) };
}

/** Runs the driver's restore operations on an archived backup until the device reports it done. */
async function restoreWith(driver: Driver, bucket: string, key: string, manifest: { object: { size: number; sha256: string; contentType: string }; backup: { details: ArchivedBackupFacts['details'] } }, deviceType: string) {
  const facts: ArchivedBackupFacts = { deviceType, device: {}, size: manifest.object.size, sha256: manifest.object.sha256, contentType: manifest.object.contentType, details: manifest.backup.details };
  expect(await driver.restore!.checkCompatibility(facts, { force: false })).toEqual([]);
  const uploaded = await driver.restore!.uploadBackup({ open: () => objectStream(s3.client, bucket, key), size: facts.size, backup: facts });
  const started = await driver.restore!.startRestore(uploaded);
  await vi.waitFor(async () => expect((await driver.restore!.pollRestore(started)).state).toBe('completed'), { timeout: 10_000, interval: 50 });
  return { uploaded, started };
}

describe('Flow Gateway on the in-process SFTP server', () => {
  it('backs up the landed directory (reported inside the chroot), removes it, and restores it', async () => {
    const root = join(work, 'fg-root');
    await mkdir(join(root, 'srv', 'landing'), { recursive: true });
    ssh = await startSftpServer({ root });
    const sim: FlowGatewaySimulator = await startFlowGatewaySimulator({
      landing: { host: ssh.host, username: ssh.username, password: ssh.password, root: ssh.root },
      backupSize: 1024 * 1024 + 3,
      backupDurationMs: 150,
      seed: 21,
    });
    closeSim = () => sim.close();
    const device = {
      id: 'fg1',
      type: 'riverbed-flow-gateway',
      url: sim.url,
      secret: 'backup-runner/fg1',
      tls: { fingerprint256: sim.fingerprint256 },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 1 },
      landing: { host: ssh.host, port: ssh.port, path: '/srv/landing', hostKey: ssh.hostKeyFingerprint, secret: 'backup-runner/landing' },
    };
    const secrets = staticSecretSource({
      'backup-runner/fg1': { username: 'admin', password: 'admin', securityPassword: 'k' },
      'backup-runner/landing': { username: ssh.username, password: ssh.password, privateKey: ssh.clientPrivateKey },
    });
    const { result, bucket, config, manifest, keys } = await backUp(device, secrets);
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);

    const [written] = sim.backups();
    expect(written!.landedSubdir).toMatch(/^\/srv\/landing\/\d{8}_\d{6}$/);
    expect(written!.subdir).toBe(join(ssh.root, written!.landedSubdir));
    expect(manifest.backup.details.subdir).toBe(written!.landedSubdir);
    const top = basename(written!.subdir);
    expect(await tarFileDigests(await readObject(s3.client, bucket, result.key!))).toEqual(
      Object.fromEntries(Object.entries(written!.files).map(([name, sha]) => [`${top}/${name}`, sha])),
    );
    expect(existsSync(written!.subdir)).toBe(false); // landing.removeAfterArchive, over SFTP

    const dev = config.devices[0] as DeviceConfig;
    const http = createDeviceHttpClient(dev);
    try {
      const driver = createFlowGatewayDriver({ device: dev, secret: await secrets.get('backup-runner/fg1'), readSecret: (n) => secrets.get(n), http, log: silentLog, now: () => new Date() });
      const { uploaded, started } = await restoreWith(driver, bucket, result.key!, manifest, 'riverbed-flow-gateway');
      expect(String(uploaded.stagingPath)).toMatch(/^\/srv\/landing\/restore-/);
      expect(sim.restores()).toEqual([{ path: uploaded.stagingPath, directory: top, status: 'COMPLETED', message: '' }]);
      await driver.restore!.removeUploaded(started);
      expect(existsSync(join(ssh.root, String(uploaded.stagingPath)))).toBe(false);
    } finally {
      await http.close();
    }
  });
});

describe('QRadar on the in-process SFTP server', () => {
  it('archives content_file_path as the console names it, and restores an archived copy put back over SFTP', async () => {
    const root = join(work, 'qradar-root');
    await mkdir(join(root, 'store', 'backup'), { recursive: true });
    ssh = await startSftpServer({ root });
    const sim: QRadarSimulator = await startQRadarSimulator({
      token: 't',
      backupDirectory: join(ssh.root, 'store', 'backup'),
      sshRoot: ssh.root,
      backupSize: 2 * 1024 * 1024 + 1,
      backupDurationMs: 150,
      seed: 22,
    });
    closeSim = () => sim.close();
    const device = {
      id: 'qr1',
      type: 'qradar',
      url: sim.url,
      secret: 'backup-runner/qr1',
      tls: { fingerprint256: sim.fingerprint256 },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 1 },
      backupType: 'CONFIG',
      ssh: { port: ssh.port, hostKey: ssh.hostKeyFingerprint },
    };
    const secrets = staticSecretSource({ 'backup-runner/qr1': { token: 't', sshUsername: ssh.username, sshPassword: ssh.password } });
    const { result, bucket, config, manifest } = await backUp(device, secrets);

    const [backup] = sim.backups();
    expect(backup!.content_file_path).toMatch(/^\/store\/backup\/backup\..+\.tgz$/);
    const local = join(ssh.root, backup!.content_file_path!);
    const bytes = await readObject(s3.client, bucket, result.key!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sim.writtenFiles()[basename(local)]);

    await unlink(local); // the console lost its copy: the restore must put the archived one back
    const dev = config.devices[0] as DeviceConfig;
    const http = createDeviceHttpClient(dev);
    try {
      const driver = createQRadarDriver({ device: dev, secret: await secrets.get('backup-runner/qr1'), readSecret: (n) => secrets.get(n), http, log: silentLog, now: () => new Date() });
      const { uploaded, started } = await restoreWith(driver, bucket, result.key!, manifest, 'qradar');
      expect(uploaded).toMatchObject({ uploaded: true, path: backup!.content_file_path });
      expect(sim.restores().at(-1)).toMatchObject({ status: 'SUCCESS', backup_id: uploaded.backupId });
      await driver.restore!.removeUploaded(started);
      expect(existsSync(local)).toBe(false);
    } finally {
      await http.close();
    }
  });
});
