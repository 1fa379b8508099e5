import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../cli/local/embedded-s3';
import { runBackupsLocally, type LocalRunResult } from '../../../cli/local/run-backups';
import { runRestoreLocally, type LocalRestoreResult } from '../../../cli/local/run-restore';
import { backupDefinitionFor, restoreDefinitionFor } from '../../../infra/local-definition';
import { listCatalog } from '../../../lambdas/archive/catalog';
import { silentLog } from '../../../lambdas/common/log';
import { staticSecretSource } from '../../../lambdas/common/secrets';
import { parseConfig } from '../../../lambdas/config/load';
import type { RunnerConfig } from '../../../lambdas/config/schema';
import { useSshd } from '../support/file-fixture';
import { fastRunOverrides } from '../support/local-run';
import { readObject } from '../support/ssh-devices';
import { SIZE_FAULTS, LARGE, type AnyConformanceType, type ArchivedManifest, type ConformanceEnv, type FaultCase, type FaultName, type Outcome, type StartedDevice } from './contract';

/**
 * Runs one conformance case the same way for every device type: start the type's simulator, take
 * a snapshot of the archive, set the fault, run the backup (and, for a restore case, the restore of
 * that backup) through the synthesized state machines, then check the outcome and that nothing
 * archived before was lost or changed. One s3rver, one sshd, one bucket per type and the two
 * definitions are shared by the file; each case gets its own simulator.
 */

const FAST_BACKUP = fastRunOverrides(30, { PruneArchive: 20 });
const FAST_RESTORE = {
  waitTimeOverrides: { WaitForRestore: 50 },
  retryIntervalOverrides: { CheckCompatibility: 50, UploadToDevice: 50, StartRestore: 50, RemoveUploadedCopy: 50, RemoveUploadedAfterFailure: 50 },
};
/** Fast polls, short timeouts: every device entry gets these before its own fields. */
const DEVICE_DEFAULTS = {
  poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 2 },
  timeouts: { connectSeconds: 2, idleSeconds: 5 },
  restorePoll: { intervalSeconds: 1, maxIntervalSeconds: 1, rebootWindowMinutes: 1, timeoutMinutes: 2 },
};

export interface ConformanceCase {
  row: AnyConformanceType;
  /** Undefined: the plain backup and restore. */
  fault: FaultName | undefined;
  size: number;
}

export interface ConformanceHarness {
  run(testCase: ConformanceCase): Promise<void>;
}

export function useConformanceHarness(): ConformanceHarness {
  const sshd = useSshd();
  let s3: EmbeddedS3;
  let work: string;
  let definitions: { backup: object; restore: object } | undefined;
  const buckets = new Map<string, string>();
  /** S3 commands sent since the current case began. */
  const commands: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'conformance-'));
    s3 = await startEmbeddedS3({ directory: join(work, 's3'), buckets: [] });
    s3.client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'conformanceCommands' },
    );
  });
  afterAll(async () => {
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * One bucket per type and backup size class: later cases find the earlier ones' backups there (and
   * must not lose them), and a small backup never follows a large one, which the runner would
   * rightly refuse as shrunken (devices[].minSizeRatio).
   */
  const bucketOf = async (type: string, size: number): Promise<string> => {
    const name = `conformance-${type}${size >= LARGE ? '-large' : ''}`;
    let bucket = buckets.get(name);
    if (!bucket) {
      bucket = name;
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.set(name, bucket);
    }
    return bucket;
  };

  /** The definitions do not depend on the devices: synthesized once for the file. */
  const definitionsFor = (config: RunnerConfig) => (definitions ??= { backup: backupDefinitionFor(config), restore: restoreDefinitionFor(config) });

  return {
    async run({ row, fault, size }) {
      const faultCase: FaultCase<never> | undefined = fault ? row.faults[fault] : undefined;
      if (fault && !faultCase) throw new Error(`${row.type} has no case for ${fault}`);
      const backupSize = faultCase?.size ?? size;
      const deviceId = row.type;
      const env: ConformanceEnv = { work, sshd };
      const device = await row.start(env, { size: backupSize, fault, deviceId });
      try {
        const bucket = await bucketOf(row.type, size);
        const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, secrets: { prefix: 'conformance/' }, devices: [{ id: deviceId, ...DEVICE_DEFAULTS, ...device.config }] });
        const { backup: backupDefinition, restore: restoreDefinition } = definitionsFor(config);
        const secrets = staticSecretSource(device.secrets);
        const archive = { bucket, s3: s3.client };
        const backUp = async (): Promise<LocalRunResult> => {
          const [result] = await runBackupsLocally({ config, secrets, archive, log: silentLog, overrides: FAST_BACKUP, definition: backupDefinition });
          return result!;
        };
        const armContext = { size: backupSize, backUp };

        if (faultCase?.phase === 'backup') await faultCase.arm?.(device, armContext);
        const before = await snapshot(s3, bucket);
        commands.length = 0;
        const run = await backUp();
        const backupOutcome: Outcome = faultCase?.phase === 'backup' ? faultCase.outcome : { archived: true };
        if ('failed' in backupOutcome) {
          expectFailure(run, deviceId, backupOutcome);
          await expectArchiveKept(s3, bucket, before, []);
        } else {
          await expectArchived(row, device, run, deviceId, s3, bucket, before);
        }
        if (fault && SIZE_FAULTS.includes(fault)) expectUploadPath(commands, backupSize, 'failed' in backupOutcome);
        if (faultCase?.phase === 'backup') {
          await faultCase.bit?.(device, { backup: run });
          return;
        }

        // The restore of the backup just archived: plain, or with the restore-phase fault.
        await faultCase?.arm?.(device, armContext);
        const archivedBefore = await snapshot(s3, bucket);
        const restored = await runRestoreLocally({
          config,
          input: { deviceId, selector: { key: run.key! } },
          secrets,
          archive,
          log: silentLog,
          overrides: FAST_RESTORE,
          definition: restoreDefinition,
        });
        const restoreOutcome: Outcome = faultCase?.outcome ?? { restored: true };
        if ('failed' in restoreOutcome) {
          expectFailure(restored, deviceId, restoreOutcome);
        } else {
          expect(restored, restored.cause).toMatchObject({ status: 'SUCCEEDED', state: { status: 'completed', backup: { key: run.key, sha256: run.sha256 } } });
          await row.checkRestored(device as StartedDevice<never>, run);
        }
        // A restore only reads the archive.
        await expectArchiveKept(s3, bucket, archivedBefore, []);
        await faultCase?.bit?.(device, { backup: run, restore: restored });
      } finally {
        await device.close();
      }
    },
  };
}

/** Key -> ETag and size of every object in the bucket. */
async function snapshot(s3: EmbeddedS3, bucket: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) entries.set(o.Key!, `${o.ETag}:${o.Size}`);
    token = page.NextContinuationToken;
  } while (token);
  return entries;
}

/** Everything archived before is still there, unchanged; the only new keys are `added`; no multipart upload is left open. */
async function expectArchiveKept(s3: EmbeddedS3, bucket: string, before: Map<string, string>, added: string[]): Promise<void> {
  const after = await snapshot(s3, bucket);
  for (const [key, version] of before) expect(after.get(key), `${key} was archived before the case`).toBe(version);
  expect([...after.keys()].filter((k) => !before.has(k)).sort()).toEqual([...added].sort());
  const open = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  expect((open.Uploads ?? []).map((u) => u.Key)).toEqual([]);
}

function expectFailure(run: LocalRunResult | LocalRestoreResult, deviceId: string, outcome: { failed: string; message?: RegExp }): void {
  expect(run.status, `expected a failed run, got ${JSON.stringify(run)}`).toBe('FAILED');
  expect(run.error, run.cause).toBe(outcome.failed);
  // A clear message: it names the device first, then says what went wrong.
  expect(run.cause).toMatch(new RegExp(`^${deviceId}: \\S`));
  if (outcome.message) expect(run.cause).toMatch(outcome.message);
}

/** The run committed exactly one backup: object + manifest, whose SHA-256 and size are the bytes the simulator served. */
async function expectArchived(
  row: AnyConformanceType,
  device: StartedDevice<never>,
  run: LocalRunResult,
  deviceId: string,
  s3: EmbeddedS3,
  bucket: string,
  before: Map<string, string>,
): Promise<void> {
  expect(run, run.cause).toMatchObject({ status: 'SUCCEEDED' });
  const manifestKey = `${run.key}.manifest.json`;
  await expectArchiveKept(s3, bucket, before, [run.key!, manifestKey]);
  const bytes = await readObject(s3.client, bucket, run.key!);
  const manifest = JSON.parse((await readObject(s3.client, bucket, manifestKey)).toString('utf8')) as ArchivedManifest;
  const digest = createHash('sha256').update(bytes).digest('hex');
  expect(manifest.object).toMatchObject({ key: run.key, size: bytes.length, sha256: digest });
  expect(manifest.device).toMatchObject({ id: deviceId, type: row.type });
  expect(run).toMatchObject({ size: bytes.length, sha256: digest });
  await row.checkServed(device, run, bytes, manifest);
  // Committed: the catalog (list, prune, restore) counts it.
  const catalog = await listCatalog(s3.client, bucket, { prefix: 'backups/', deviceId });
  expect(catalog.backups.map((b) => b.key)).toContain(run.key);
}

/** A small backup goes up in one PutObject, a large one as a multipart upload: each size fault meets both paths. */
function expectUploadPath(sent: readonly string[], size: number, failed: boolean): void {
  if (size >= LARGE) {
    expect(sent).toContain('UploadPartCommand');
    expect(sent).toContain(failed ? 'AbortMultipartUploadCommand' : 'CompleteMultipartUploadCommand');
  } else {
    expect(sent).not.toContain('CreateMultipartUploadCommand');
  }
}
