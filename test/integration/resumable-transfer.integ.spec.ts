import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { objectSha256 } from '../../lambdas/archive/object-sha256';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
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
import { meteredDownloads, progressClock } from './support/progress-clock';

/**
 * TransferToArchive across invocations: a forced time budget (workflow.transferBudgetSeconds) makes
 * a transfer hand over to the next invocation at part boundaries; each test checks the archived
 * bytes against what the simulator served. The steps' clock moves with the bytes read, not with
 * the wall (support/progress-clock.ts): 8 MiB (one part) take 45 % of a budget, so every budgeted
 * invocation stores one or two parts, however fast or loaded the machine.
 */
const MiB = 1024 * 1024;
const BUDGET_SECONDS = 100;
const MS_PER_BYTE = (0.45 * BUDGET_SECONDS * 1000) / (8 * MiB);
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
  const metered = meteredDownloads();
  const deps = (transferBudgetSeconds?: number): StepDeps => ({
    config: configFor(transferBudgetSeconds),
    archive: { bucket, s3: s3.client, checksum: 'none' },
    secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
    log: silentLog,
    now: progressClock(metered.bytes, MS_PER_BYTE),
    createHttp: metered.createHttp,
  });
  let state = await startBackup({ input: { deviceId: 'ar11' }, executionName: `resume-${bucketCounter}`, executionStartTime: new Date().toISOString() }, deps());
  await vi.waitFor(async () => {
    state = await pollBackup(state, deps());
    expect(state.status).toBe('completed');
  }, { timeout: 10_000, interval: 100 });
  return { bucket, deps, configFor, metered, state, backupId: state.handle.backupId };
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
  it('splits a 40 MiB transfer over three invocations with HTTP Range and archives the exact bytes', { timeout: 60_000 }, async () => {
    // Each budgeted invocation stores one or two 8 MiB parts; the third runs without a budget and completes.
    const run = await setUp(40 * MiB);
    let state: RunState = run.state;
    const offsets: number[] = [];
    for (const budget of [BUDGET_SECONDS, BUDGET_SECONDS, undefined]) {
      state = await transferBackup(state, run.deps(budget));
      if (state.transfer) offsets.push(continuationOf(state).nextOffset);
    }
    expect(offsets).toHaveLength(2);
    expect(offsets[0]! % (8 * MiB)).toBe(0);
    expect(offsets[1]!).toBeGreaterThan(offsets[0]!);
    expect(state.transfer).toBeUndefined();
    const served = sim!.backups().find((b) => b.id === run.backupId)!;
    expect(state.archive).toMatchObject({ size: 40 * MiB, sha256: served.sha256 });
    expect(await objectSha256(s3.client, run.bucket, state.archive!.key)).toEqual({ size: 40 * MiB, sha256: served.sha256 });
    // The first download is whole (200), the two resumed ones are 206 from the next byte.
    expect(downloads().map((r) => r.status)).toEqual([200, 206, 206]);
    expect((await leftovers(run.bucket)).uploads).toBe(0);
  });

  it('resumes by re-reading and skipping when the device ignores Range', { timeout: 60_000 }, async () => {
    const run = await setUp(40 * MiB, { faults: { ignoreRange: true } });
    const first = await transferBackup(run.state, run.deps(BUDGET_SECONDS));
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
    const run = await setUp(40 * MiB);
    const first = await transferBackup(run.state, run.deps(BUDGET_SECONDS));
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
    const run = await setUp(40 * MiB);
    const continued: unknown[] = [];
    const log = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void (message.startsWith('transfer continues') && continued.push(extra)) };
    const [result] = await runBackupsLocally({
      config: run.configFor(BUDGET_SECONDS),
      secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
      archive: { bucket: run.bucket, s3: s3.client, checksum: 'none' },
      log,
      now: progressClock(run.metered.bytes, MS_PER_BYTE),
      createHttp: run.metered.createHttp,
      overrides: { waitTimeOverrides: { WaitForDevice: 50 } },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', size: 40 * MiB });
    // At most two parts (16 MiB) per invocation: at least three invocations for 40 MiB.
    expect(continued.length).toBeGreaterThanOrEqual(2);
    // The device copy is deleted after archiving: compare with the generator's bytes for that backup.
    const served = expectedBackupDigest(sim!.seed, result!.deviceBackupId!, 40 * MiB);
    expect(result!.sha256).toBe(served.sha256);
    expect(await objectSha256(s3.client, run.bucket, result!.key!)).toEqual(served);
    expect((await leftovers(run.bucket)).uploads).toBe(0);
  });

  it('restarts with resumable hashing when a transfer predicted to finish (fast SHA-256) runs out of time', { timeout: 30_000 }, async () => {
    const bucket = `resume-${++bucketCounter}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    // The first part arrives at once (so the prediction says "fast"), then the link stalls; the
    // clock passes the deadline once the upload has begun, i.e. after the prediction was made.
    const begun = Date.now();
    let uploadBegun = false;
    const watch = 'watchCreateMultipartUpload';
    s3.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'CreateMultipartUploadCommand') uploadBegun = true;
        return next(args);
      },
      { step: 'initialize', name: watch },
    );
    onTestFinished(() => void s3.client.middlewareStack.remove(watch));
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
      // Far in the wall clock's future: the injected clock, not a timer, reaches it.
      deadlineMs: begun + 600_000,
      now: () => begun + (uploadBegun ? 1_200_000 : 0),
    });
    expect(result).toMatchObject({ status: 'continue', continuation: { status: 'continue', restart: true, key: 'stall.bin', invocations: 1 } });
    expect(await leftovers(bucket)).toEqual({ objects: [], uploads: 0 });
    expect(body.destroyed).toBe(true);
  });
});
