import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { NpmV2DeviceConfig, RunnerConfig } from '../../lambdas/config/schema';
import type { ArchivedBackupFacts, RestoreHandle, RestoreProgress } from '../../lambdas/drivers/driver';
import { createRiverbedNpmV2Driver } from '../../lambdas/drivers/riverbed-npm-v2';
import { expectedNpmV2Digest, startNpmV2Simulator, type NpmV2Simulator, type NpmV2SimulatorOptions } from '../../simulators/riverbed-npm-v2';
import { useEmbeddedS3, useSshd } from './support/file-fixture';
import { itWithSshd } from '../support/sshd';
import { fastRunOverrides } from './support/local-run';
import { objectStream as archivedStream } from './support/ssh-devices';

/**
 * npm.backup 2.0 end to end: the synthesized state machine with the real steps, the 2.0
 * simulator over pinned HTTPS, a real OpenSSH sshd as the remote filer, s3rver as the archive;
 * and the RestoreDriver operations against the simulator through its reboot.
 */
const SIZE = 1024 * 1024 + 77;
const SECRET = 'backup-runner/ar12';
const LANDING = 'backup-runner/landing';
const FAST = fastRunOverrides(50);

const s3 = useEmbeddedS3('npm-v2-');
const sshd = useSshd();
let sim: NpmV2Simulator | undefined;
let counter = 0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Scenario {
  simulator?: NpmV2SimulatorOptions;
  /** Remote filer (default) or the device's local server. */
  local?: boolean;
  server?: Record<string, unknown>;
}

async function run(scenario: Scenario = {}) {
  const filerDir = await mkdtemp(join(s3.directory, 'filer-'));
  sim = await startNpmV2Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 200, rebootMs: 100, rebootRefusals: 1, seed: 12, ...scenario.simulator });
  const bucket = `npm-v2-${++counter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  const server = scenario.local
    ? { name: 'local', local: true }
    : { name: 's3-landing', host: sshd.host, port: sshd.port, path: filerDir, hostKey: sshd.hostKeyFingerprint, secret: LANDING, ...scenario.server };
  const config: RunnerConfig = parseConfig({
    archive: { bucket, prefix: 'backups/' },
    devices: [
      {
        id: 'ar12',
        type: 'riverbed-npm-v2',
        url: sim.url,
        secret: SECRET,
        tls: { fingerprint256: sim.fingerprint256 },
        server,
        contents: { configOnly: false, modules: [{ module: 'config', options: [] }] },
        restoreServer: 'local',
        poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
        timeouts: { connectSeconds: 2, idleSeconds: 5 },
      },
    ],
  });
  const secrets = staticSecretSource({
    [SECRET]: { username: 'admin', password: 'admin' },
    ...(scenario.local ? {} : { [LANDING]: { username: sshd.username, privateKey: sshd.clientPrivateKey } }),
  });
  const [result] = await runBackupsLocally({ config, secrets, archive: { bucket, s3: s3.client }, log: silentLog, overrides: FAST });
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return { result: result as LocalRunResult, bucket, config, filerDir, keys: (listed.Contents ?? []).map((o) => o.Key!).sort() };
}

async function readObject(bucket: string, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of object.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('npm.backup 2.0: local backup runs', () => {
  itWithSshd('creates the missing remote filer from config, backs up to it and archives the file fetched over SFTP', async () => {
    const { result, bucket, keys, filerDir } = await run();
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);
    expect(result.key).toMatch(/\.tar\.gz$/);

    const created = sim!.servers().find((s) => s.name === 's3-landing');
    expect(created).toMatchObject({ host: sshd.host, port: sshd.port, path: filerDir, user: sshd.username, keySet: true, local: false });
    const createCall = sim!.requests().find((r) => r.method === 'POST' && r.path.endsWith('/servers'));
    expect(createCall?.body).toMatchObject({ name: 's3-landing', new_private_key: sshd.clientPrivateKey });

    const bytes = await readObject(bucket, result.key!);
    const served = expectedNpmV2Digest(12, result.deviceBackupId!, SIZE);
    expect(bytes.length).toBe(SIZE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(served.sha256);

    const manifest = JSON.parse((await readObject(bucket, `${result.key}.manifest.json`)).toString('utf8'));
    expect(manifest).toMatchObject({
      device: { id: 'ar12', type: 'riverbed-npm-v2', hostname: 'ar12-sim', softwareVersion: '12.1.0' },
      backup: {
        deviceBackupId: result.deviceBackupId,
        details: { filer: 'remote', serverName: 's3-landing', status: 'completed', size: SIZE, 'contents.configOnly': false, 'contents.modules': JSON.stringify([{ module: 'config', options: [] }]) },
      },
    });
    expect(manifest.backup.details.filerPath).toBe(join(filerDir, `${result.deviceBackupId}.tar.gz`));
    const startCall = sim!.requests().find((r) => r.path.endsWith('/start'));
    expect(startCall?.body).toMatchObject({ name: expect.stringMatching(/^backup-runner-[0-9a-f]{10}$/), contents: { config_only: false, modules: [{ module: 'config', options: [] }] } });
    // Archived, then removed from the device and its filer.
    expect(sim!.backups()).toEqual([]);
    expect(await readdir(filerDir)).toEqual([]);
  });

  it('backs up to the device local server and downloads over HTTPS (inferred link)', async () => {
    const { result, bucket } = await run({ local: true });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const bytes = await readObject(bucket, result.key!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(expectedNpmV2Digest(12, result.deviceBackupId!, SIZE).sha256);
    expect(sim!.requests().some((r) => r.method === 'GET' && r.path.endsWith(`/items/${result.deviceBackupId}/file`))).toBe(true);
    expect(sim!.requests().some((r) => r.method === 'POST' && r.path.endsWith('/servers'))).toBe(false);
  });

  itWithSshd('refuses a filer that differs from the config, naming the fields, and changes nothing', async () => {
    const { result, keys, filerDir } = await run({
      simulator: { servers: [{ name: 's3-landing', host: '10.0.0.9', port: 2222, path: '/srv/elsewhere', user: 'backup' }] },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'ConfigError' });
    expect(result.cause).toContain('ar12');
    expect(result.cause).toContain('backup server "s3-landing"');
    expect(result.cause).toContain(`host is "10.0.0.9" on the device, "${sshd.host}" in the config`);
    expect(result.cause).toContain(`port is 2222 on the device, ${sshd.port} in the config`);
    expect(result.cause).toContain(`path is "/srv/elsewhere" on the device, "${filerDir}" in the config`);
    expect(result.cause).toContain(`user is "backup" on the device, "${sshd.username}" in the filer secret`);
    expect(keys).toEqual([]);
    expect(sim!.requests().filter((r) => r.method !== 'GET' && !r.path.includes('/token'))).toEqual([]);
    expect(sim!.servers().find((s) => s.name === 's3-landing')).toMatchObject({ host: '10.0.0.9', port: 2222 });
  });

  itWithSshd('uses an existing filer that matches, and logs in again when the token is revoked mid-run', async () => {
    const filerDir = await mkdtemp(join(s3.directory, 'existing-'));
    const { result } = await run({
      simulator: { servers: [{ name: 's3-landing', host: sshd.host, port: sshd.port, path: `${filerDir}/`, user: sshd.username }], faults: { revokeTokensAfterRequests: 3 } },
      server: { path: filerDir },
    });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(sim!.requests().some((r) => r.method === 'POST' && r.path.endsWith('/servers'))).toBe(false);
    expect(sim!.requests().filter((r) => r.status === 401)).toHaveLength(1);
  });

  itWithSshd('a backup the device reports failed fails the run with its status_message', async () => {
    const { result, keys } = await run({ simulator: { faults: { backupFails: true } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    expect(result.cause).toContain('simulated failure (faults.backupFails)');
    expect(keys).toEqual([]);
  });
});

describe('npm.backup 2.0: restore upload faults', () => {
  async function uploadWith(faults: Record<string, number>) {
    const { result, bucket, config } = await run({ local: true });
    expect(result.status).toBe('SUCCEEDED');
    const manifest = JSON.parse((await readObject(bucket, `${result.key}.manifest.json`)).toString('utf8'));
    const device = config.devices[0] as NpmV2DeviceConfig;
    const facts: ArchivedBackupFacts = { deviceType: manifest.device.type, device: {}, size: manifest.object.size, sha256: manifest.object.sha256, contentType: manifest.object.contentType, details: manifest.backup.details };
    Object.assign(sim!.faults, faults);
    const http = createDeviceHttpClient(device);
    const before = sim!.backups().length;
    let opens = 0;
    try {
      const restore = createRiverbedNpmV2Driver({ device, secret: { username: 'admin', password: 'admin' }, http, log: silentLog, now: () => new Date() }).restore!;
      const outcome = await restore
        .uploadBackup({ open: async () => (opens++, archivedStream(s3.client, bucket, result.key!)), size: facts.size, backup: facts })
        .then((handle) => ({ handle }), (error: unknown) => ({ error: error as Error }));
      return { outcome, opens, manifest, before };
    } finally {
      await http.close();
    }
  }

  it('re-opens the archive for the repeat after a 401 on the upload: the device gets every byte once', async () => {
    // After the login, the first authenticated request (the server lookup) passes, the upload gets 401.
    const { outcome, opens, manifest } = await uploadWith({ revokeTokensAfterRequests: 1 });
    expect(outcome).toHaveProperty('handle');
    expect(opens).toBe(2);
    const uploads = sim!.backups().filter((b) => b.uploaded);
    expect(uploads).toEqual([expect.objectContaining({ size: manifest.object.size, sha256: manifest.object.sha256 })]);
  });

  it('removes the uploaded copy when the device holds another size than was sent', async () => {
    const { outcome, before } = await uploadWith({ uploadKeepsBytes: 1000 });
    expect('error' in outcome && outcome.error).toMatchObject({ name: 'IntegrityError', message: expect.stringMatching(/1000 bytes .* removed again/) });
    expect(sim!.backups().filter((b) => b.uploaded)).toEqual([]);
    expect(sim!.backups()).toHaveLength(before);
  });
});

describe('npm.backup 2.0: restore driver against the simulator', () => {
  it('uploads the archived file to the local server, restores it with its contents, and follows latest_restore through the reboot', async () => {
    const { result, bucket, config } = await run({ local: true });
    expect(result.status).toBe('SUCCEEDED');
    const bytes = await readObject(bucket, result.key!);
    const manifest = JSON.parse((await readObject(bucket, `${result.key}.manifest.json`)).toString('utf8'));
    const device = config.devices[0] as NpmV2DeviceConfig;
    const facts: ArchivedBackupFacts = {
      deviceType: manifest.device.type,
      device: { softwareVersion: manifest.device.softwareVersion },
      size: manifest.object.size,
      sha256: manifest.object.sha256,
      contentType: manifest.object.contentType,
      details: manifest.backup.details,
    };
    // Each step gets a fresh driver (fresh login), as the restore workflow's steps do.
    const withRestore = async <T>(use: (restore: NonNullable<ReturnType<typeof createRiverbedNpmV2Driver>['restore']>) => Promise<T>): Promise<T> => {
      const http = createDeviceHttpClient(device);
      try {
        return await use(createRiverbedNpmV2Driver({ device, secret: { username: 'admin', password: 'admin' }, http, log: silentLog, now: () => new Date() }).restore!);
      } finally {
        await http.close();
      }
    };

    expect(await withRestore((r) => r.checkCompatibility(facts, { force: false }))).toEqual([]);
    expect(await withRestore((r) => r.checkCompatibility({ ...facts, device: { softwareVersion: '11.9.0' } }, { force: false }))).toEqual([
      expect.stringContaining('made on software 11.9.0, the device runs 12.1.0'),
    ]);
    expect(await withRestore((r) => r.checkCompatibility({ ...facts, device: { softwareVersion: '11.9.0' } }, { force: true }))).toEqual([]);

    const uploaded = await withRestore((r) => r.uploadBackup({ open: async () => (await import('node:stream')).Readable.from([bytes]), size: bytes.length, backup: facts }));
    const onDevice = sim!.backups().find((b) => b.id === uploaded.backupId);
    expect(onDevice).toMatchObject({ uploaded: true, size: SIZE, sha256: manifest.object.sha256 });

    const started: RestoreHandle = await withRestore((r) => r.startRestore(uploaded));
    let progress: RestoreProgress | undefined;
    let refusedDuringReboot = 0;
    await vi.waitFor(
      async () => {
        try {
          progress = await withRestore((r) => r.pollRestore(started));
        } catch (error) {
          refusedDuringReboot += 1;
          expect((error as Error).name).toBe('DeviceUnreachable');
          throw error;
        }
        expect(progress.state).not.toBe('running');
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(progress).toMatchObject({ state: 'completed', withErrors: false });
    expect(refusedDuringReboot).toBeGreaterThan(0);
    expect(sim!.restores()).toEqual([{ backupId: uploaded.backupId, status: 'completed', contents: { config_only: false, modules: [{ module: 'config', options: [] }] } }]);

    await withRestore((r) => r.removeUploaded(started));
    expect(sim!.backups().find((b) => b.id === uploaded.backupId)).toBeUndefined();
  });
});
