import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { DeviceConfig } from '../../lambdas/config/schema';
import { createQRadarDriver } from '../../lambdas/drivers/qradar';
import { startQRadarSimulator, type QRadarSimulator, type QRadarSimulatorOptions } from '../../simulators/qradar';
import { useEmbeddedS3, useSshd } from './support/file-fixture';
import { describeWithSshd } from '../support/sshd';
import { fastRunOverrides } from './support/local-run';
import { FAST_RESTORE_POLL } from './support/restore-harness';
import { freshBucket, listKeys, objectStream, racingClock, readObject } from './support/ssh-devices';

/**
 * QRadar / JSA end to end: the synthesized state machine run locally against the console
 * simulator (HTTPS, SEC token), the backup file fetched over SFTP from a real sshd standing in for
 * the console's /store/backup, into s3rver; then the two-step restore, also of an archived copy.
 */
const SECRET = 'backup-runner/qradar';
const TOKEN = 'sec-token-123';
const FAST = fastRunOverrides(30);
const SIZE = 3 * 1024 * 1024 + 5;

const sshd = useSshd();
const s3 = useEmbeddedS3('qradar-integ-');
let sim: QRadarSimulator | undefined;
let counter = 0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Scenario {
  simulator?: Partial<QRadarSimulatorOptions>;
  device?: Record<string, unknown>;
  token?: string;
  now?: () => Date;
}

function deviceConfig(scenario: Scenario) {
  return {
    id: 'qr1',
    type: 'qradar',
    url: sim!.url,
    secret: SECRET,
    tls: { fingerprint256: sim!.fingerprint256 },
    poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 1 },
    timeouts: { connectSeconds: 5, idleSeconds: 10 },
    backupType: 'CONFIG',
    ssh: { port: sshd.port, hostKey: sshd.hostKeyFingerprint },
    restorePoll: FAST_RESTORE_POLL,
    ...scenario.device,
  };
}

const secrets = (token = TOKEN) => staticSecretSource({ [SECRET]: { token, sshUsername: sshd.username, sshPrivateKey: sshd.clientPrivateKey } });

async function run(scenario: Scenario = {}): Promise<{ result: LocalRunResult; bucket: string; keys: string[]; backupDirectory: string; config: ReturnType<typeof parseConfig> }> {
  const backupDirectory = join(s3.directory, `store-backup-${++counter}`);
  await mkdir(backupDirectory);
  sim = await startQRadarSimulator({ token: TOKEN, backupDirectory, backupSize: SIZE, backupDurationMs: 200, seed: 9, ...scenario.simulator });
  const bucket = await freshBucket(s3.client, 'qr');
  const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, devices: [deviceConfig(scenario)] });
  const [result] = await runBackupsLocally({
    config,
    secrets: secrets(scenario.token),
    archive: { bucket, s3: s3.client },
    log: silentLog,
    overrides: FAST,
    ...(scenario.now ? { now: scenario.now } : {}),
  });
  return { result: result!, bucket, keys: await listKeys(s3.client, bucket), backupDirectory, config };
}

describeWithSshd('QRadar backup (state machine, console simulator, real sshd, s3rver)', () => {
  it('archives content_file_path with its exact bytes; pinned headers; the console keeps its copy by default', async () => {
    const { result, bucket, keys } = await run();
    expect(result, result.cause).toMatchObject({ status: 'SUCCEEDED', size: SIZE });
    expect(result.key).toMatch(/^backups\/qr1\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}Z-[0-9a-f]{10}\.tgz$/);
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);

    const [backup] = sim!.backups();
    expect(backup).toMatchObject({ status: 'SUCCESS', type: 'CONFIG' });
    expect(backup!.name).toMatch(/^backup-runner_[0-9a-f]{10}_\d{8}T\d{6}Z$/);
    const bytes = await readObject(s3.client, bucket, result.key!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sim!.writtenFiles()[basename(backup!.content_file_path!)]);

    const manifest = JSON.parse((await readObject(s3.client, bucket, `${result.key}.manifest.json`)).toString('utf8'));
    expect(manifest).toMatchObject({
      device: { id: 'qr1', type: 'qradar', softwareVersion: '7.5.0.20241018' },
      backup: { deviceBackupId: String(backup!.id), details: { type: 'CONFIG', contentFilePath: backup!.content_file_path, name: backup!.name } },
    });
    expect(existsSync(backup!.content_file_path!)).toBe(true);

    const requests = sim!.requests();
    expect(requests.every((r) => r.version === '20.0')).toBe(true);
    expect(requests.find((r) => r.method === 'POST')?.backupType).toBe('CONFIG');
  });

  it('deletes the console copy after archiving when removeAfterArchive is true', async () => {
    const { result } = await run({ device: { removeAfterArchive: true, backupType: 'DATA' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.backups()).toEqual([]);
    expect(sim!.requests().find((r) => r.method === 'POST')?.backupType).toBe('DATA');
  });

  it.each([1015, 1016] as const)('409 code %i is busy: retried until the console is free', async (code) => {
    const { result } = await run({ simulator: { faults: { conflict: { code, count: 2 } } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.requests().filter((r) => r.method === 'POST' && r.status === 409)).toHaveLength(2);
  });

  it('409 code 1011 (undeployed changes) needs an operator: fails at once with the instruction, never retried', async () => {
    const { result, keys } = await run({ simulator: { faults: { conflict: { code: 1011, count: 5 } } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceRejectedRequest' });
    expect(result.cause).toMatch(/^qr1: .*code 1011.*deploy the staged changes.*then run the backup again/i);
    expect(sim!.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(keys).toEqual([]);
  });

  it("backs up a managed host's data with host_id (seed 003: the console when absent)", async () => {
    const { result } = await run({ device: { backupType: 'DATA', hostId: 104 } });
    expect(result, result.cause).toMatchObject({ status: 'SUCCEEDED' });
    expect(sim!.backups()).toEqual([expect.objectContaining({ host_id: 104, type: 'DATA' })]);
  });

  it("a CONFIG backup of a managed host is the console's 422 1012, with its message, not retried", async () => {
    const { result } = await run({ device: { hostId: 104 } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceRejectedRequest' });
    expect(result.cause).toContain('A config backup can only take place on the console');
    expect(sim!.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('409 1005 (name exists) picks another name', async () => {
    const { result } = await run({ simulator: { faults: { conflict: { code: 1005, count: 2 } } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.requests().filter((r) => r.method === 'POST' && r.status === 409)).toHaveLength(2);
    expect(sim!.backups()[0]!.name).toMatch(/^backup-runner_[0-9a-f]{10}_\d{8}T\d{6}Z-3$/);
  });

  it.each([
    ['backupFails', 'DeviceOperationFailed', /failed on the console/],
    ['invalid', 'DeviceOperationFailed', /is_valid: false/],
    ['missingAfterSuccess', 'DeviceOperationFailed', /MISSING/],
  ] as const)('fault %s fails the run with %s and archives nothing', async (fault, error, message) => {
    const { result, keys } = await run({ simulator: { faults: { [fault]: true } } });
    expect(result).toMatchObject({ status: 'FAILED', error });
    expect(result.cause).toMatch(message);
    expect(keys).toEqual([]);
  });

  it('a backup stuck IN_PROGRESS ends at the poll time limit', async () => {
    const { result } = await run({ simulator: { faults: { stuck: true } }, now: racingClock(20_000) });
    expect(result).toMatchObject({ status: 'FAILED', error: 'OperationTimedOut' });
  });

  it('a wrong SEC token fails at once, never retried', async () => {
    const { result } = await run({ token: 'wrong-token' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'AuthenticationFailed' });
    expect(result.cause).not.toContain('wrong-token');
    expect(sim!.requests()).toHaveLength(1);
  });

  it('a changed console host key is refused, nothing archived', async () => {
    const { result, keys } = await run({ device: { ssh: { port: sshd.port, hostKey: sshd.otherFingerprint } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'HostKeyMismatch' });
    expect(result.cause).toContain(`(ssh.hostKey), the server presented ${sshd.hostKeyFingerprint}`);
    expect(keys).toEqual([]);
  });
});

describeWithSshd('QRadar restore operations (console simulator, real sshd)', () => {
  async function driverFor(bucket: string) {
    const config = parseConfig({ archive: { bucket }, devices: [deviceConfig({})] });
    const device = config.devices[0] as DeviceConfig;
    const http = createDeviceHttpClient(device);
    const source = secrets();
    const driver = createQRadarDriver({ device, secret: await source.get(SECRET), readSecret: (n) => source.get(n), http, log: silentLog, now: () => new Date() });
    return { driver, close: () => http.close() };
  }

  async function restoreAll(bucket: string, key: string, size: number) {
    const manifest = JSON.parse((await readObject(s3.client, bucket, `${key}.manifest.json`)).toString('utf8'));
    const facts = { deviceType: 'qradar', device: {}, size, sha256: manifest.object.sha256, contentType: manifest.object.contentType, details: manifest.backup.details };
    const { driver, close } = await driverFor(bucket);
    try {
      expect(await driver.restore!.checkCompatibility(facts, { force: false })).toEqual([]);
      const uploaded = await driver.restore!.uploadBackup({ open: () => objectStream(s3.client, bucket, key), size, backup: facts });
      const started = await driver.restore!.startRestore(uploaded);
      await vi.waitFor(async () => expect((await driver.restore!.pollRestore(started)).state).toBe('completed'), { timeout: 10_000, interval: 50 });
      await driver.restore!.removeUploaded(started);
      return { uploaded, facts };
    } finally {
      await close();
    }
  }

  it('restores a backup the console still has, without uploading (POST /restores, then REQUESTING)', async () => {
    const { result, bucket } = await run();
    const { uploaded } = await restoreAll(bucket, result.key!, result.size!);
    expect(uploaded.uploaded).toBe(false);
    expect(sim!.restores()).toEqual([expect.objectContaining({ status: 'SUCCESS', backup_id: sim!.backups()[0]!.id, groups: expect.arrayContaining(['DEPLOYMENT_CONFIG']) })]);
  });

  it('restores an archived copy: the file goes back into the backup directory first, then is removed', async () => {
    const { result, bucket } = await run();
    const [original] = sim!.backups();
    await unlink(original!.content_file_path!); // the console lost it (or it was deleted after archiving)
    const { uploaded } = await restoreAll(bucket, result.key!, result.size!);
    expect(uploaded).toMatchObject({ uploaded: true, path: original!.content_file_path });
    expect(sim!.restores().at(-1)).toMatchObject({ status: 'SUCCESS', backup_id: uploaded.backupId });
    expect(existsSync(original!.content_file_path!)).toBe(false); // removeUploaded deleted it again
  });
});

describeWithSshd('QRadar restore through the restore state machine (console simulator, real sshd, s3rver)', () => {
  const RESTORE_FAST = { waitTimeOverrides: { WaitForRestore: 50 }, retryIntervalOverrides: { StartRestore: 50, UploadToDevice: 50 } };

  async function restoreLatest(config: ReturnType<typeof parseConfig>, bucket: string) {
    return runRestoreLocally({
      config,
      input: { deviceId: 'qr1', selector: { latest: true } },
      secrets: secrets(),
      archive: { bucket, s3: s3.client },
      log: silentLog,
      overrides: RESTORE_FAST,
    });
  }

  it('restores a backup the console still has (the normal case): nothing uploaded, the console restores its own verified copy', async () => {
    const { result, bucket, config } = await run();
    expect(result.status).toBe('SUCCEEDED');
    const restored = await restoreLatest(config, bucket);
    expect(restored, restored.cause).toMatchObject({ status: 'SUCCEEDED', state: { status: 'completed', device: { handle: { uploaded: false } } } });
    const [backup] = sim!.backups();
    expect(sim!.restores()).toEqual([expect.objectContaining({ status: 'SUCCESS', backup_id: backup!.id })]);
    expect(existsSync(backup!.content_file_path!)).toBe(true); // the console's own copy stays
  });

  it('refuses when the console copy under the same path is not the archived backup, and changes nothing', async () => {
    const { result, bucket, config } = await run();
    const [backup] = sim!.backups();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(backup!.content_file_path!, Buffer.alloc(result.size!, 7)); // same size, other bytes
    const restored = await restoreLatest(config, bucket);
    expect(restored).toMatchObject({ status: 'FAILED', error: 'RestoreRefused' });
    expect(restored.cause).toContain(backup!.content_file_path!);
    expect(restored.cause).toMatch(/qr1/);
    expect(sim!.restores()).toEqual([]);
  });

  it('restores an archived copy the console lost: the file goes back, is restored, then removed', async () => {
    const { result, bucket, config } = await run();
    const [original] = sim!.backups();
    await unlink(original!.content_file_path!);
    const restored = await restoreLatest(config, bucket);
    expect(restored, restored.cause).toMatchObject({ status: 'SUCCEEDED', state: { device: { handle: { uploaded: true } } } });
    expect(sim!.restores().at(-1)).toMatchObject({ status: 'SUCCESS' });
    expect(result.sha256).toBe(sim!.writtenFiles()[basename(original!.content_file_path!)]);
  });
});
