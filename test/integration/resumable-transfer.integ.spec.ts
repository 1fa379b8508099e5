import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { objectSha256 } from '../../lambdas/archive/object-sha256';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IntegrityError } from '../../lambdas/common/errors';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { pollBackup } from '../../lambdas/workflow/poll-backup';
import type { RunState } from '../../lambdas/workflow/run-state';
import type { TransferContinuation } from '../../lambdas/transfer/resumable/continuation';
import { transferResumable } from '../../lambdas/transfer/resumable/transfer-resumable';
import { startBackup } from '../../lambdas/workflow/start-backup';
import { transferBackup } from '../../lambdas/workflow/transfer-backup';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { expectedBackupDigest, startNpmV1Simulator, type NpmV1Simulator, type NpmV1SimulatorOptions } from '../../simulators/riverbed-npm-v1';

/**
 * TransferToArchive across invocations: a small forced time budget (workflow.transferBudgetSeconds)
 * and a throttled simulator make a transfer hand over to the next invocation at part boundaries;
 * each test checks the archived bytes against what the simulator served. The throttle bounds how
 * much one invocation can read (so the split is certain); the budgets leave room for a loaded machine.
 */
const MiB = 1024 * 1024;
const SECRET = 'backup-runner/ar11';
let dir: string;
let s3: EmbeddedS3;
let sim: NpmV1Simulator | undefined;
let bucketCounter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'resumable-'));
  s3 = await startEmbeddedS3({ directory: dir, buckets: [] });
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setUp(size: number, simulator: NpmV1SimulatorOptions = {}) {
  sim = await startNpmV1Simulator({ tls: true, backupSize: size, backupDurationMs: 50, seed: 11, ...simulator });
  const bucket = `resume-${++bucketCounter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  const configFor = (transferBudgetSeconds?: number): RunnerConfig =>
    parseConfig({
      archive: { bucket, prefix: 'backups/' },
      workflow: { timeoutHours: 1, ...(transferBudgetSeconds !== undefined ? { transferBudgetSeconds } : {}) },
      devices: [
        {
          id: 'ar11',
          type: 'riverbed-npm-v1',
          url: sim!.url,
          secret: SECRET,
          tls: { fingerprint256: sim!.fingerprint256 },
          poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
          timeouts: { connectSeconds: 5, idleSeconds: 20 },
        },
      ],
    });
  const deps = (transferBudgetSeconds?: number): StepDeps => ({
    config: configFor(transferBudgetSeconds),
    archive: { bucket, s3: s3.client, checksum: 'none' },
    secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
    log: silentLog,
    now: () => new Date(),
  });
  let state = await startBackup({ input: { deviceId: 'ar11' }, executionName: `resume-${bucketCounter}`, executionStartTime: new Date().toISOString() }, deps());
  await vi.waitFor(async () => {
    state = await pollBackup(state, deps());
    expect(state.status).toBe('completed');
  }, { timeout: 10_000, interval: 100 });
  return { bucket, deps, configFor, state, backupId: state.handle.backupId };
}

async function leftovers(bucket: string) {
  const objects = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return { objects: (objects.Contents ?? []).map((o) => o.Key), uploads: (uploads.Uploads ?? []).length };
}

function continuationOf(state: RunState): TransferContinuation {
  const transfer = state.transfer;
  if (!transfer || 'restart' in transfer) throw new Error(`expected a continuation, got ${JSON.stringify(transfer)}`);
  return transfer;
}

const downloads = () => sim!.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/file'));

describe('TransferToArchive across invocations', () => {
  it('splits a 48 MiB transfer over three invocations with HTTP Range and archives the exact bytes', { timeout: 60_000 }, async () => {
    // 8 MiB/s and 8 MiB parts: a part takes about 1 s, so a 1.5 s budget ends each of the first two
    // invocations after one or two parts; the third runs without a budget and completes.
    const run = await setUp(48 * MiB, { faults: { bytesPerSecond: 8 * MiB } });
    let state: RunState = run.state;
    const offsets: number[] = [];
    for (const budget of [1.5, 1.5, undefined]) {
      state = await transferBackup(state, run.deps(budget));
      if (state.transfer) offsets.push(continuationOf(state).nextOffset);
    }
    expect(offsets).toHaveLength(2);
    expect(offsets[0]! % (8 * MiB)).toBe(0);
    expect(offsets[1]!).toBeGreaterThan(offsets[0]!);
    expect(state.transfer).toBeUndefined();
    const served = sim!.backups().find((b) => b.id === run.backupId)!;
    expect(state.archive).toMatchObject({ size: 48 * MiB, sha256: served.sha256 });
    expect(await objectSha256(s3.client, run.bucket, state.archive!.key)).toEqual({ size: 48 * MiB, sha256: served.sha256 });
    // The first download is whole (200), the two resumed ones are 206 from the next byte.
    expect(downloads().map((r) => r.status)).toEqual([200, 206, 206]);
    expect((await leftovers(run.bucket)).uploads).toBe(0);
  });

  it('resumes by re-reading and skipping when the device ignores Range', { timeout: 60_000 }, async () => {
    const run = await setUp(40 * MiB, { faults: { bytesPerSecond: 16 * MiB, ignoreRange: true } });
    const first = await transferBackup(run.state, run.deps(1));
    expect(first.transfer).toMatchObject({ status: 'continue', invocations: 1 });
    const stored = continuationOf(first).nextOffset;
    expect(stored).toBeGreaterThan(0);
    const done = await transferBackup(first, run.deps());
    const served = sim!.backups().find((b) => b.id === run.backupId)!;
    expect(done.archive).toMatchObject({ size: 40 * MiB, sha256: served.sha256 });
    expect(await objectSha256(s3.client, run.bucket, done.archive!.key)).toEqual({ size: 40 * MiB, sha256: served.sha256 });
    expect(downloads().map((r) => r.status)).toEqual([200, 200]);
  });

  it.each([
    ['other bytes, same size: If-Range fails, the device sends the whole file with a new ETag', {}, false, /validator is now "\S+-r1", it was "\S+-r0"/],
    ['other bytes, same size, a device without validators: the re-read prefix hashes differently', {}, true, /first \d+ bytes hash differently/],
    ['another size', { size: 30 * MiB }, false, /now has 31457280 bytes, it had 41943040/],
  ])('fails with IntegrityError and leaves nothing when the file changes between invocations: %s', { timeout: 60_000 }, async (_name, change, noValidator, message) => {
    const run = await setUp(40 * MiB, { faults: { bytesPerSecond: 16 * MiB } });
    const first = await transferBackup(run.state, run.deps(1));
    expect(first.transfer?.status).toBe('continue');
    if (noValidator) delete continuationOf(first).version; // then the step does not trust Range and re-reads
    sim!.replaceBackupFile(run.backupId, change);
    const error = await transferBackup(first, run.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/ar11/);
    // No object, no manifest, and the multipart upload is aborted.
    expect(await leftovers(run.bucket)).toEqual({ objects: [], uploads: 0 });
    await expect(s3.client.send(new HeadObjectCommand({ Bucket: run.bucket, Key: first.transfer!.key }))).rejects.toThrow();
  });

  it('runs through the local state machine: TransferToArchive loops until the archive is committed', { timeout: 90_000 }, async () => {
    const run = await setUp(48 * MiB, { faults: { bytesPerSecond: 8 * MiB } });
    const continued: unknown[] = [];
    const log = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void (message.startsWith('transfer continues') && continued.push(extra)) };
    const [result] = await runBackupsLocally({
      config: run.configFor(2.5),
      secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
      archive: { bucket: run.bucket, s3: s3.client, checksum: 'none' },
      log,
      overrides: { waitTimeOverrides: { WaitForDevice: 50 } },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', size: 48 * MiB });
    // At most about 2.5 s x 8 MiB/s per invocation: at least three invocations for 48 MiB.
    expect(continued.length).toBeGreaterThanOrEqual(2);
    // The device copy is deleted after archiving: compare with the generator's bytes for that backup.
    const served = expectedBackupDigest(sim!.seed, result!.deviceBackupId!, 48 * MiB);
    expect(result!.sha256).toBe(served.sha256);
    expect(await objectSha256(s3.client, run.bucket, result!.key!)).toEqual(served);
    expect((await leftovers(run.bucket)).uploads).toBe(0);
  });

  it('restarts with resumable hashing when a transfer predicted to finish (fast SHA-256) runs out of time', { timeout: 30_000 }, async () => {
    const bucket = `resume-${++bucketCounter}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    // The first part arrives at once (so the prediction says "fast"), then the link stalls.
    let pushed = 0;
    const body = new (await import('node:stream')).Readable({
      read() {
        if (pushed === 0) {
          pushed += 1;
          this.push(Buffer.alloc(8 * MiB, 1));
        }
      },
    });
    const result = await transferResumable({
      s3: s3.client,
      bucket,
      key: 'stall.bin',
      deviceId: 'ar11',
      artifact: { body, size: 24 * MiB, contentType: 'application/octet-stream' },
      checksum: 'none',
      // Long enough for the first part to be stored on a loaded machine, short enough to keep the test quick.
      deadlineMs: Date.now() + 6000,
    });
    expect(result).toMatchObject({ status: 'continue', continuation: { status: 'continue', restart: true, key: 'stall.bin', invocations: 1 } });
    expect(await leftovers(bucket)).toEqual({ objects: [], uploads: 0 });
    expect(body.destroyed).toBe(true);
  });
});
