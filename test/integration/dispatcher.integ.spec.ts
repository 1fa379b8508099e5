import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listCatalog } from '../../lambdas/archive/catalog';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { DISPATCHER_STATE_KEY, runDispatchTick, s3DispatcherStateStore, type BackupSkippedDetail } from '../../lambdas/dispatcher';
import { previousOccurrence, parseSchedule, executionNameFor, formatInstant } from '../../lambdas/schedule';
import { runIdFor } from '../../lambdas/workflow/run-id';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';
import { LocalStepFunctions } from '../../cli/local/local-step-functions';
import { localExecutionRunner, type LocalRunResult } from '../../cli/local/run-backups';
import { expectedBackupDigest, startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';

/**
 * One dispatcher tick against the real pieces that run here: the state object in s3rver, and a
 * local stand-in for Step Functions whose executions run the synthesized backup state machine
 * (aws-local-stepfunctions) with the real steps against the npm.backup 1.0 simulator. The
 * device's first backup fails on the device; its `retry` re-runs it inside the same execution.
 */
const SIZE = 512 * 1024 + 17;
const SECRET = 'backup-runner/ar11';
const BUCKET = 'dispatch-archive';
const HOURLY = 'FREQ=HOURLY;BYMINUTE=0';

let s3: EmbeddedS3;
let dir: string;
let sim: NpmV1Simulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dispatcher-'));
  s3 = await startEmbeddedS3({ directory: dir, buckets: [] });
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 100, seed: 11, faults: { backupFails: true } });
});
afterAll(async () => {
  await sim?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dispatcher tick with the local state machine runner (simulator, s3rver)', () => {
  it('starts the due occurrence once; the execution re-runs the failed backup and archives it under the occurrence', async () => {
    const config = parseConfig({
      // An empty prefix: the state object sits beside the device folders, and the catalog must ignore it.
      archive: { bucket: BUCKET, prefix: '' },
      devices: [
        {
          id: 'ar11',
          type: 'riverbed-npm-v1',
          url: sim.url,
          secret: SECRET,
          tls: { fingerprint256: sim.fingerprint256 },
          schedule: { rrule: HOURLY },
          retry: { attempts: 1, delayMinutes: 0 },
          poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
          timeouts: { connectSeconds: 2, idleSeconds: 5 },
        },
      ],
    });
    const runExecution = localExecutionRunner({
      config,
      secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
      archive: { bucket: BUCKET, s3: s3.client },
      log: silentLog,
      overrides: {
        waitTimeOverrides: { WaitForDevice: 50, WaitBeforeRerun: 300 },
        retryIntervalOverrides: { StartBackup: 20, PollBackup: 20, TransferToArchive: 20, DeleteDeviceCopy: 20 },
      },
    });
    const sfn = new LocalStepFunctions<LocalRunResult>({ run: runExecution, succeeded: (r) => r.status === 'SUCCEEDED' });
    const skipped: BackupSkippedDetail[] = [];
    const store = s3DispatcherStateStore(s3.client, BUCKET);
    const now = new Date();
    const tick = () =>
      runDispatchTick({ config, executions: sfn.backupExecutions(), store, events: { publish: async (e) => (skipped.push(...e), 0) }, log: silentLog, now: () => now });

    // The first tick ever: the window is the last maxLatenessMinutes, so the latest hourly occurrence is due.
    const occurrence = previousOccurrence(parseSchedule(HOURLY), new Date(now.getTime() + 1))!;
    const name = executionNameFor('ar11', occurrence);
    const first = await tick();
    expect(first.started).toEqual([name]);

    // The device fails the first backup; let the re-run succeed.
    await vi.waitFor(() => expect(sim.backups().some((b) => b.status === 'failed')).toBe(true), { timeout: 20_000, interval: 20 });
    sim.faults.backupFails = false;
    await sfn.settled();

    const execution = sfn.executions.get(name)!;
    expect(execution.status).toBe('SUCCEEDED');
    const result = execution.result!;
    expect(result.key).toContain(`-${runIdFor(name, 2)}.tar.gz`);
    expect(result.sha256).toBe(expectedBackupDigest(11, result.deviceBackupId!, SIZE).sha256);
    const manifest = JSON.parse(
      await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${result.key}.manifest.json` }))).Body!.transformToString(),
    );
    expect(manifest.run).toMatchObject({ executionName: name, occurrence: formatInstant(occurrence), runId: runIdFor(name, 2) });

    // The state object is in the bucket, and a second tick at the same time starts nothing.
    const state = JSON.parse(await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: DISPATCHER_STATE_KEY }))).Body!.transformToString());
    expect(state).toEqual({ version: 1, lastTick: now.toISOString(), pending: [] });
    const second = await tick();
    expect(second.started).toEqual([]);
    expect(sfn.startCalls).toEqual([{ name, outcome: 'started' }]);
    // A later tick that plans the occurrence again (its state write lost) gets Step Functions' refusal, not a second run.
    const repeated = await runDispatchTick({
      config,
      executions: sfn.backupExecutions(),
      store: { load: async () => ({ state: undefined, token: undefined }), save: async () => undefined },
      events: { publish: async () => 0 },
      log: silentLog,
      now: () => new Date(now.getTime() + 1),
    });
    expect(repeated).toMatchObject({ started: [], alreadyStarted: [name] });
    expect(sfn.startCalls).toEqual([
      { name, outcome: 'started' },
      { name, outcome: 'already-exists' },
    ]);
    expect(skipped).toEqual([]);

    // list/prune/verify see one committed backup and nothing else: the state object is not an archive key.
    const catalog = await listCatalog(s3.client, BUCKET, { prefix: '' });
    expect(catalog.backups.map((b) => b.key)).toEqual([result.key]);
    expect(catalog.incomplete).toEqual([]);
    const keys = ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key);
    expect(keys).toContain(DISPATCHER_STATE_KEY);
  });
});
