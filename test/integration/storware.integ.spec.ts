import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig, StorwareDeviceConfig } from '../../lambdas/config/schema';
import type { ArchivedBackupFacts, RestoreProgress } from '../../lambdas/drivers/driver';
import { createStorwareDriver, STORWARE_RECORD_FORMAT } from '../../lambdas/drivers/storware';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator, type StorwareSimulator, type StorwareSimulatorOptions } from '../../simulators/storware';
import { useEmbeddedS3 } from './support/file-fixture';
import { fastRunOverrides } from './support/local-run';

/**
 * Storware end to end: the synthesized state machine (aws-local-stepfunctions) with the real
 * steps, against the Storware simulator over pinned HTTPS, into s3rver; and the RestoreDriver
 * operations against the simulator, fed with the archived object.
 */
const SECRET = 'backup-runner/storware';
const FAST = fastRunOverrides(50);
const [VM1, VM2] = DEFAULT_STORWARE_ENTITIES.map((e) => e.guid) as [string, string];
const HYPERVISOR = '7e57a11c-0000-4000-8000-00000000beef';

const s3 = useEmbeddedS3('storware-run-');
let sim: StorwareSimulator | undefined;
let bucketCounter = 0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function configFor(simulator: StorwareSimulator, bucket: string, extra: Record<string, unknown> = {}): RunnerConfig {
  return parseConfig({
    archive: { bucket, prefix: 'backups/' },
    devices: [
      {
        id: 'storware-prod',
        type: 'storware',
        url: simulator.url,
        secret: SECRET,
        tls: { fingerprint256: simulator.fingerprint256 },
        protectedEntities: [VM1, VM2],
        backupType: 'FULL',
        poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
        timeouts: { connectSeconds: 2, idleSeconds: 5 },
        restore: { hypervisor: HYPERVISOR, overwrite: false },
        restorePoll: { intervalSeconds: 1, maxIntervalSeconds: 1, rebootWindowMinutes: 1, timeoutMinutes: 5 },
        ...extra,
      },
    ],
  });
}

async function run(options: StorwareSimulatorOptions = {}, extra: Record<string, unknown> = {}) {
  sim = await startStorwareSimulator({ tls: true, exportDurationMs: 150, storeDurationMs: 50, restoreDurationMs: 150, ...options });
  const bucket = `storware-${++bucketCounter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  const config = configFor(sim, bucket, extra);
  const [result] = await runBackupsLocally({
    config,
    secrets: staticSecretSource({ [SECRET]: { login: 'admin', password: 'vPr0tect' } }),
    archive: { bucket, s3: s3.client },
    log: silentLog,
    overrides: FAST,
  });
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return { result: result as LocalRunResult, bucket, config, keys: (listed.Contents ?? []).map((o) => o.Key!).sort() };
}

async function readText(bucket: string, key: string): Promise<string> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body!.transformToString('utf-8')) ?? '';
}

describe('Storware: local backup run', () => {
  it('starts one export per entity and archives both backup records as one JSON document with its manifest', async () => {
    const { result, bucket, keys } = await run();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.key).toMatch(/^backups\/storware-prod\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}Z-[0-9a-f]{10}\.json$/);
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);

    const exports = sim!.tasks().filter((t) => t.type === 'EXPORT');
    expect(exports.map((t) => t.entity)).toEqual([VM1, VM2]);
    expect(exports[0]!.body).toMatchObject({ protectedEntities: [{ guid: VM1 }], backupType: { name: 'FULL' } });

    const document = JSON.parse(await readText(bucket, result.key!));
    expect(document.format).toBe(STORWARE_RECORD_FORMAT);
    const simBackups = sim!.backups();
    expect(document.entities).toEqual([
      { protectedEntity: VM1, exportTask: exports[0]!.guid, backup: simBackups.find((b) => b.guid === exports[0]!.backup) },
      { protectedEntity: VM2, exportTask: exports[1]!.guid, backup: simBackups.find((b) => b.guid === exports[1]!.backup) },
    ]);
    expect(document.entities[0].backup.status.name).toBe('SUCCESS');

    const manifest = JSON.parse(await readText(bucket, `${result.key}.manifest.json`));
    expect(manifest).toMatchObject({
      device: { id: 'storware-prod', type: 'storware' },
      backup: {
        deviceBackupId: `${exports[0]!.guid},${exports[1]!.guid}`,
        details: { format: STORWARE_RECORD_FORMAT, entities: 2, 'entity1.guid': VM1, 'entity1.status': 'SUCCESS', 'entity2.backup': exports[1]!.backup },
      },
      object: { contentType: 'application/json', size: result.size },
    });
  });

  it('PARTIAL_SUCCESS fails the run with the reason, and nothing is archived', async () => {
    const { result, keys } = await run({ faults: { partialSuccess: { entity: VM2, reason: 'disk sdb could not be read' } } });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DeviceOperationFailed');
    expect(result.cause).toContain('storware-prod');
    expect(result.cause).toContain(`entity ${VM2}`);
    expect(result.cause).toContain('PARTIAL_SUCCESS (disk sdb could not be read)');
    expect(keys).toEqual([]);
  });

  it('a FAILED backup fails the run with Storware statusInfo', async () => {
    const { result, keys } = await run({ faults: { backupFails: { reason: 'destination full' } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    expect(result.cause).toContain('FAILED: destination full');
    expect(keys).toEqual([]);
  });

  it('logs in again when the session expires mid-run, and the run succeeds', async () => {
    const { result } = await run({ faults: { expireSessionsAfterRequests: 3 } });
    expect(result.status).toBe('SUCCEEDED');
    const requests = sim!.requests();
    expect(requests.filter((r) => r.status === 401)).toHaveLength(1);
    // One login per step, plus the one after the expiry.
    const logins = requests.filter((r) => r.url === '/api/session/login');
    expect(logins.length).toBeGreaterThanOrEqual(4);
    expect(sim!.faults.expireSessionsAfterRequests).toBeUndefined();
  });

  it('finds the backup through GET /api/backups when the finished task does not name it', async () => {
    const { result, bucket } = await run({ faults: { taskOmitsBackup: true } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.requests().some((r) => r.url.startsWith(`/api/backups?protected-entity=${VM1}&from=`))).toBe(true);
    const document = JSON.parse(await readText(bucket, result.key!));
    expect(document.entities.map((e: { backup: { guid: string } }) => e.backup.guid)).toEqual(sim!.tasks().filter((t) => t.type === 'EXPORT').map((t) => t.backup));
  });

  it("never adopts a backup it cannot tell is the task's: a policy backup of the same entity in the window fails the run", async () => {
    const { result, keys } = await run({ faults: { taskOmitsBackup: true, policyBackupDuringExport: true } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceProtocolError' });
    expect(result.cause).toMatch(/names no backup.*2 backups of entity .* since the run started/);
    expect(keys).toEqual([]);
  });

  it('wrong credentials fail at once as AuthenticationFailed', async () => {
    const { result } = await run({ password: 'other' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'AuthenticationFailed' });
    expect(result.cause).toContain(`secret "${SECRET}"`);
    expect(sim!.requests().filter((r) => r.url === '/api/session/login')).toHaveLength(1);
  });
});

describe('Storware: restore driver against the simulator', () => {
  it('reads the backup guids from the archived record, restores and imports each into the configured hypervisor', async () => {
    const { result, bucket, config } = await run();
    expect(result.status).toBe('SUCCEEDED');
    const archived = await readText(bucket, result.key!);
    const manifest = JSON.parse(await readText(bucket, `${result.key}.manifest.json`));
    const device = config.devices[0] as StorwareDeviceConfig;
    const http = createDeviceHttpClient(device);
    try {
      const driver = createStorwareDriver({ device, secret: { login: 'admin', password: 'vPr0tect' }, http, log: silentLog, now: () => new Date() });
      const restore = driver.restore!;
      const facts: ArchivedBackupFacts = {
        deviceType: manifest.device.type,
        device: {},
        size: manifest.object.size,
        sha256: manifest.object.sha256,
        contentType: manifest.object.contentType,
        details: manifest.backup.details,
      };
      expect(await restore.checkCompatibility(facts, { force: false })).toEqual([]);
      expect(await restore.checkCompatibility({ ...facts, deviceType: 'riverbed-npm-v1' }, { force: true })).toEqual([
        expect.stringContaining('made by a riverbed-npm-v1 device'),
      ]);

      const uploaded = await restore.uploadBackup({ open: async () => Readable.from([Buffer.from(archived)]), size: archived.length, backup: facts });
      const started = await restore.startRestore(uploaded);
      let progress: RestoreProgress | undefined;
      await vi.waitFor(
        async () => {
          progress = await restore.pollRestore(started);
          expect(progress.state).not.toBe('running');
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(progress).toMatchObject({ state: 'completed', withErrors: false });
      const restores = sim!.tasks().filter((t) => t.type === 'RESTORE');
      // Completed means the IMPORT that follows each RESTORE has finished too.
      expect(sim!.tasks().filter((t) => t.type === 'IMPORT').map((t) => [t.backup, t.state])).toEqual(restores.map((t) => [t.backup, 'FINISHED']));
      const exported = sim!.tasks().filter((t) => t.type === 'EXPORT');
      expect(restores.map((t) => t.backup)).toEqual(exported.map((t) => t.backup));
      expect(restores[0]!.body).toEqual({ backup: { guid: exported[0]!.backup }, hypervisor: { guid: HYPERVISOR }, overwrite: false });
      await restore.removeUploaded(started);
    } finally {
      await http.close();
    }
  });

  it('a failed restore task is reported with Storware statusInfo', async () => {
    const { result, bucket, config } = await run();
    const archived = await readText(bucket, result.key!);
    sim!.faults.restoreFails = { reason: 'hypervisor storage offline' };
    const device = config.devices[0] as StorwareDeviceConfig;
    const http = createDeviceHttpClient(device);
    try {
      const restore = createStorwareDriver({ device, secret: { login: 'admin', password: 'vPr0tect' }, http, log: silentLog, now: () => new Date() }).restore!;
      const facts = { deviceType: 'storware', device: {}, size: archived.length, sha256: '', contentType: 'application/json', details: {} };
      const started = await restore.startRestore(await restore.uploadBackup({ open: async () => Readable.from([archived]), size: archived.length, backup: facts }));
      await vi.waitFor(
        async () => {
          const progress = await restore.pollRestore(started);
          expect(progress).toMatchObject({ state: 'failed', reason: expect.stringContaining('hypervisor storage offline') });
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await http.close();
    }
  });
});

describe('Storware: restore through the restore state machine', () => {
  const RESTORE_FAST = { waitTimeOverrides: { WaitForRestore: 50 }, retryIntervalOverrides: { StartRestore: 50, UploadToDevice: 50 } };

  async function restoreLatest(config: RunnerConfig, bucket: string) {
    return runRestoreLocally({
      config,
      input: { deviceId: 'storware-prod', selector: { latest: true } },
      secrets: staticSecretSource({ [SECRET]: { login: 'admin', password: 'vPr0tect' } }),
      archive: { bucket, s3: s3.client },
      log: silentLog,
      overrides: RESTORE_FAST,
    });
  }

  it('is restored only once the IMPORT task that follows each RESTORE task has finished', async () => {
    const { result, bucket, config } = await run({ importDurationMs: 400 });
    expect(result.status).toBe('SUCCEEDED');
    const restored = await restoreLatest(config, bucket);
    expect(restored, restored.cause).toMatchObject({ status: 'SUCCEEDED', state: { status: 'completed' } });
    const imports = sim!.tasks().filter((t) => t.type === 'IMPORT');
    expect(imports.map((t) => t.state)).toEqual(['FINISHED', 'FINISHED']);
  });

  it('a failed IMPORT after a finished RESTORE fails the restore with Storware statusInfo', async () => {
    const { result, bucket, config } = await run();
    expect(result.status).toBe('SUCCEEDED');
    sim!.faults.importFails = { reason: 'storage domain data1 is not active' };
    const restored = await restoreLatest(config, bucket);
    expect(restored).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
    expect(restored.cause).toContain('storage domain data1 is not active');
    expect(restored.cause).toMatch(/import task/i);
    expect(sim!.tasks().filter((t) => t.type === 'RESTORE').map((t) => t.state)).toEqual(['FINISHED', 'FINISHED']);
  });

  it("a second restore of the same backup follows its own IMPORT task, not the earlier restore's finished one", async () => {
    const { result, bucket, config } = await run({ defaultPageSize: 2 });
    expect(result.status).toBe('SUCCEEDED');
    expect((await restoreLatest(config, bucket)).status).toBe('SUCCEEDED');
    sim!.faults.importFails = { reason: 'VM name already taken' };
    const second = await restoreLatest(config, bucket);
    expect(second).toMatchObject({ status: 'FAILED' });
    expect(second.cause).toContain('VM name already taken');
  });
});
