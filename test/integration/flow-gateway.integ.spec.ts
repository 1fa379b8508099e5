import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { DeviceConfig } from '../../lambdas/config/schema';
import { createFlowGatewayDriver } from '../../lambdas/drivers/riverbed-flow-gateway';
import { startFlowGatewaySimulator, type FlowGatewaySimulator, type FlowGatewaySimulatorOptions } from '../../simulators/riverbed-flow-gateway';
import { useEmbeddedS3, useSshd } from './support/file-fixture';
import { describeWithSshd } from '../support/sshd';
import { fastRunOverrides } from './support/local-run';
import { FAST_RESTORE_POLL } from './support/restore-harness';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { freshBucket, listKeys, objectStream, racingClock, readObject, tarFileDigests } from './support/ssh-devices';

/**
 * Flow Gateway end to end: the synthesized state machine run locally, the gateway simulator over
 * HTTPS "pushing" into a landing directory that a real sshd serves, the runner pulling the
 * directory as one tar into s3rver; then the restore operations against the simulator.
 */
const DEVICE_SECRET = 'backup-runner/fg1';
const LANDING_SECRET = 'backup-runner/landing';
const SECURITY_PASSWORD = 'secret-encryption-key';
const LANDING_PASSWORD = 'landing-pw';
const FAST = fastRunOverrides(30);

const sshd = useSshd();
const s3 = useEmbeddedS3('fg-integ-');
let sim: FlowGatewaySimulator | undefined;
let runCounter = 0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Scenario {
  simulator?: Partial<FlowGatewaySimulatorOptions>;
  hostKey?: string;
  removeAfterArchive?: boolean;
  now?: () => Date;
}

function deviceConfig(landingPath: string, scenario: Scenario) {
  return {
    id: 'fg1',
    type: 'riverbed-flow-gateway',
    url: sim!.url,
    secret: DEVICE_SECRET,
    tls: { fingerprint256: sim!.fingerprint256 },
    poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 1 },
    restorePoll: FAST_RESTORE_POLL,
    timeouts: { connectSeconds: 5, idleSeconds: 10 },
    landing: {
      host: sshd.host,
      port: sshd.port,
      path: landingPath,
      hostKey: scenario.hostKey ?? sshd.hostKeyFingerprint,
      secret: LANDING_SECRET,
      ...(scenario.removeAfterArchive === undefined ? {} : { removeAfterArchive: scenario.removeAfterArchive }),
    },
  };
}

const secrets = () =>
  staticSecretSource({
    [DEVICE_SECRET]: { username: 'admin', password: 'admin', securityPassword: SECURITY_PASSWORD },
    [LANDING_SECRET]: { username: sshd.username, password: LANDING_PASSWORD, privateKey: sshd.clientPrivateKey },
  });

async function run(scenario: Scenario = {}): Promise<{ result: LocalRunResult; bucket: string; keys: string[]; landingPath: string; config: ReturnType<typeof parseConfig> }> {
  const landingPath = join(s3.directory, `landing-${++runCounter}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(landingPath);
  sim = await startFlowGatewaySimulator({
    landing: { host: sshd.host, username: sshd.username, password: LANDING_PASSWORD },
    backupSize: 2 * 1024 * 1024 + 77,
    backupDurationMs: 150,
    seed: 5,
    ...scenario.simulator,
  });
  const bucket = await freshBucket(s3.client, 'fg');
  const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, devices: [deviceConfig(landingPath, scenario)] });
  const result = await runAgain(config, bucket, scenario.now);
  return { result, bucket, keys: await listKeys(s3.client, bucket), landingPath, config };
}

/** One more backup run of the same device on the same simulator. */
async function runAgain(config: ReturnType<typeof parseConfig>, bucket: string, now?: () => Date): Promise<LocalRunResult> {
  const [result] = await runBackupsLocally({ config, secrets: secrets(), archive: { bucket, s3: s3.client }, log: silentLog, overrides: FAST, ...(now ? { now } : {}) });
  return result!;
}

/** The archived tar's files, as the gateway wrote them into `record`. */
async function expectArchivedDirectory(bucket: string, key: string, record: { subdir: string; files: Record<string, string> }) {
  const archived = await tarFileDigests(await readObject(s3.client, bucket, key));
  const top = basename(record.subdir);
  expect(archived).toEqual(Object.fromEntries(Object.entries(record.files).map(([name, sha]) => [`${top}/${name}`, sha])));
}

describeWithSshd('Flow Gateway backup (state machine, simulator, real sshd, s3rver)', () => {
  it('archives the landed directory as one tar with every file exact, records the security password as required, removes the landed copy', async () => {
    const { result, bucket, keys } = await run({ simulator: { faults: { warning: 'NTP not synchronised' } } });
    expect(result, result.cause).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.key).toMatch(/^backups\/fg1\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}Z-[0-9a-f]{10}\.tar$/);
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);

    const [written] = sim!.backups();
    const tar = await readObject(s3.client, bucket, result.key!);
    expect(tar.length).toBe(result.size);
    expect(createHash('sha256').update(tar).digest('hex')).toBe(result.sha256);
    const archived = await tarFileDigests(tar);
    const top = basename(written!.subdir);
    expect(archived).toEqual(Object.fromEntries(Object.entries(written!.files).map(([name, sha]) => [`${top}/${name}`, sha])));

    const manifestText = (await readObject(s3.client, bucket, `${result.key}.manifest.json`)).toString('utf8');
    const manifest = JSON.parse(manifestText);
    expect(manifest).toMatchObject({
      device: { id: 'fg1', type: 'riverbed-flow-gateway' },
      object: { contentType: 'application/x-tar', size: tar.length },
      backup: { details: { subdir: written!.subdir, securityPasswordRequired: true, warnings: 'NTP not synchronised', files: 3 } },
    });
    for (const value of [SECURITY_PASSWORD, LANDING_PASSWORD, 'BEGIN OPENSSH']) expect(manifestText).not.toContain(value);

    expect(existsSync(written!.subdir)).toBe(false);
  });

  it('keeps the landed copy when landing.removeAfterArchive is false', async () => {
    const { result } = await run({ removeAfterArchive: false });
    expect(result.status).toBe('SUCCEEDED');
    expect(existsSync(sim!.backups()[0]!.subdir)).toBe(true);
  });

  it('waits while another backup runs on the gateway, then backs up', async () => {
    const { result } = await run({ simulator: { faults: { busyPolls: 2 } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('refuses a landing host whose key changed: HostKeyMismatch, not retried, nothing archived, landed copy kept', async () => {
    const { result, keys } = await run({ hostKey: sshd.otherFingerprint });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HostKeyMismatch');
    expect(result.cause).toContain(`expected ${sshd.otherFingerprint} (landing.hostKey), the server presented ${sshd.hostKeyFingerprint}`);
    expect(keys).toEqual([]);
    expect(existsSync(sim!.backups()[0]!.subdir)).toBe(true);
  });

  it('a gateway that cannot log in to the landing host fails with its message', async () => {
    const { result, keys } = await run({ simulator: { landing: { host: sshd.host, username: sshd.username, password: 'another' } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    expect(result.cause).toMatch(/^fg1: the device reports backup .* failed: the gateway reports the backup failed: ssh: .*Permission denied/);
    expect(keys).toEqual([]);
  });

  it('a backup stuck in EXECUTING ends at the poll time limit', async () => {
    const { result, keys } = await run({ simulator: { faults: { stuck: true } }, now: racingClock(20_000) });
    expect(result).toMatchObject({ status: 'FAILED', error: 'OperationTimedOut' });
    expect(result.cause).toMatch(/still running after 1 minutes/);
    expect(keys).toEqual([]);
  });

  it("a second run waits out the previous run's COMPLETED that `running` still shows after the POST, and archives its own directory", async () => {
    const first = await run();
    expect(first.result, first.result.cause).toMatchObject({ status: 'SUCCEEDED' });
    const second = await runAgain(first.config, first.bucket);
    expect(second, second.cause).toMatchObject({ status: 'SUCCEEDED' });
    const records = sim!.backups();
    expect(records).toHaveLength(2);
    await expectArchivedDirectory(first.bucket, second.key!, records[1]!);
  });

  it("the previous run's ERROR still shown after the POST does not fail the new run", async () => {
    const first = await run({ simulator: { faults: { backupFails: 'disk full on the landing host' } } });
    expect(first.result).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    delete sim!.faults.backupFails;
    const second = await runAgain(first.config, first.bucket);
    expect(second, second.cause).toMatchObject({ status: 'SUCCEEDED' });
    await expectArchivedDirectory(first.bucket, second.key!, sim!.backups()[0]!);
  });

  it("archives and removes the directory this run saw complete, not a newer one somebody else's backup made meanwhile", async () => {
    const { result, bucket } = await run({ simulator: { faults: { foreignBackupAfterCompleted: true } } });
    expect(result, result.cause).toMatchObject({ status: 'SUCCEEDED' });
    const [ours, foreign] = sim!.backups();
    expect(foreign, 'the foreign backup ran').toBeDefined();
    await expectArchivedDirectory(bucket, result.key!, ours!);
    expect(existsSync(ours!.subdir)).toBe(false);
    expect(existsSync(foreign!.subdir)).toBe(true);
  });

  it('an unknown status is a protocol error', async () => {
    const { result } = await run({ simulator: { faults: { garbage: 'unknown-status' } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceProtocolError' });
    expect(result.cause).toMatch(/unknown status "Exploded"/);
  });
});

describeWithSshd('Flow Gateway restore operations (simulator, real sshd)', () => {
  it('puts the archived directory back on the landing host, restores it, and tidies up', async () => {
    const { result, bucket, landingPath } = await run();
    expect(result.status).toBe('SUCCEEDED');
    const manifest = JSON.parse((await readObject(s3.client, bucket, `${result.key}.manifest.json`)).toString('utf8'));
    const config = parseConfig({ archive: { bucket }, devices: [deviceConfig(landingPath, {})] });
    const device = config.devices[0] as DeviceConfig;
    const source = secrets();
    const http = createDeviceHttpClient(device);
    try {
      const driver = createFlowGatewayDriver({
        device,
        secret: await source.get(DEVICE_SECRET),
        readSecret: (name) => source.get(name),
        http,
        log: silentLog,
        now: () => new Date(),
      });
      const facts = { deviceType: 'riverbed-flow-gateway', device: {}, size: result.size!, sha256: result.sha256!, contentType: manifest.object.contentType, details: manifest.backup.details };
      expect(await driver.restore!.checkCompatibility(facts, { force: false })).toEqual([]);
      expect(await driver.restore!.checkCompatibility({ ...facts, deviceType: 'qradar' }, { force: true })).toHaveLength(1);

      const uploaded = await driver.restore!.uploadBackup({ open: () => objectStream(s3.client, bucket, result.key!), size: result.size!, backup: facts });
      expect(existsSync(join(String(uploaded.stagingPath), String(uploaded.directory), 'flowgateway_backup.tar.enc'))).toBe(true);
      const started = await driver.restore!.startRestore(uploaded);
      await vi.waitFor(async () => expect((await driver.restore!.pollRestore(started)).state).toBe('completed'), { timeout: 10_000, interval: 50 });
      expect(sim!.restores()).toEqual([{ path: uploaded.stagingPath, directory: uploaded.directory, status: 'COMPLETED', message: '' }]);
      await driver.restore!.removeUploaded(started);
      expect(existsSync(String(uploaded.stagingPath))).toBe(false);
    } finally {
      await http.close();
    }
  });
});

describeWithSshd('Flow Gateway restore through the restore state machine (simulator, real sshd)', () => {
  const RESTORE_FAST = { waitTimeOverrides: { WaitForRestore: 50 }, retryIntervalOverrides: { StartRestore: 50, UploadToDevice: 50 } };
  const restoreLatest = (config: ReturnType<typeof parseConfig>, bucket: string) =>
    runRestoreLocally({ config, input: { deviceId: 'fg1', selector: { latest: true } }, secrets: secrets(), archive: { bucket, s3: s3.client }, log: silentLog, overrides: RESTORE_FAST });

  it("a second restore is not taken as done from the earlier restore's COMPLETED that GET /restore still shows", async () => {
    const { result, bucket, config } = await run();
    expect(result.status).toBe('SUCCEEDED');
    const first = await restoreLatest(config, bucket);
    expect(first, first.cause).toMatchObject({ status: 'SUCCEEDED' });
    sim!.faults.restoreFails = 'security password does not decrypt the backup';
    const second = await restoreLatest(config, bucket);
    expect(second).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    expect(second.cause).toContain('security password does not decrypt the backup');
    expect(sim!.restores().map((r) => r.status)).toEqual(['COMPLETED', 'ERROR']);
  });
});
