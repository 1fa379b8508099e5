/**
 * Child process of the benchmark: one backup through the real workflow steps, as the deployed
 * Lambdas run them: startBackup -> pollBackup (until completed) -> transferBackup. Only the
 * transfer step is timed; its peak RSS is this process's peak RSS (the other steps are small).
 * Started by bench/run.ts; prints one JSON line (see protocol.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { createEmbeddedS3Client } from '../cli/local/embedded-s3';
import { silentLog } from '../lambdas/common/log';
import { staticSecretSource } from '../lambdas/common/secrets';
import { parseConfig } from '../lambdas/config/load';
import type { StepDeps } from '../lambdas/workflow/deps';
import { deleteDeviceCopy } from '../lambdas/workflow/delete-device-copy';
import { pollBackup } from '../lambdas/workflow/poll-backup';
import type { RunState } from '../lambdas/workflow/run-state';
import { startBackup } from '../lambdas/workflow/start-backup';
import { transferBackup } from '../lambdas/workflow/transfer-backup';
import { cpuSecondsSince, peakRssBytes, readRequest, report, type TransferRequest } from './protocol';

const DEVICE_ID = 'bench-device';
const SECRET = 'backup-runner/bench-device';
const POLL_EVERY_MS = 50;
const POLL_GIVE_UP_MS = 120_000;
/** The TransferToArchive Lambda's timeout (BACKUP_FUNCTION_SIZING): its remaining time drives the deadline. */
const LAMBDA_TIMEOUT_MS = 15 * 60_000;

async function main(): Promise<void> {
  const request = readRequest<TransferRequest>(process.argv);
  const config = parseConfig({
    archive: { bucket: request.bucket, prefix: 'bench/', s3: { endpoint: request.s3Endpoint } },
    ...(request.transferBudgetSeconds !== undefined ? { workflow: { timeoutHours: 12, transferBudgetSeconds: request.transferBudgetSeconds } } : {}),
    devices: [
      {
        id: DEVICE_ID,
        type: 'riverbed-npm-v1',
        url: request.deviceUrl,
        secret: SECRET,
        ...(request.fingerprint256 ? { tls: { fingerprint256: request.fingerprint256 } } : {}),
        poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
        timeouts: { connectSeconds: 5, idleSeconds: 60 },
      },
    ],
  });
  const s3 = createEmbeddedS3Client(request.s3Endpoint);
  const deps: StepDeps = {
    config,
    // As `backup-runner run` against s3rver (archive.s3.checksum defaults to none): s3rver stores no
    // checksums, and the peer (aws s3 cp with when_required) computes none either. Against real S3
    // the full-object CRC64NVME costs CPU on top (see BENCHMARKS.md).
    archive: { bucket: request.bucket, s3, checksum: 'none' },
    secrets: staticSecretSource({ [SECRET]: { username: request.username, password: request.password } }),
    log: silentLog,
    now: () => new Date(),
  };
  try {
    const executionName = `bench-${process.pid}-${Date.now()}`;
    let state: RunState = await startBackup(
      { input: { deviceId: DEVICE_ID, trigger: 'manual' }, executionName, executionStartTime: new Date().toISOString() },
      deps,
    );
    const giveUpAt = Date.now() + POLL_GIVE_UP_MS;
    for (;;) {
      state = await pollBackup(state, deps);
      if (state.status === 'completed') break;
      if (Date.now() > giveUpAt) throw new Error(`backup ${state.handle.backupId} did not complete within ${POLL_GIVE_UP_MS} ms`);
      await sleep(POLL_EVERY_MS);
    }

    const rssBeforeBytes = process.memoryUsage.rss();
    // BENCH_MEMORY_TRACE=1: where the memory is, every 2 s on stderr (how the young generation's growth was found).
    const trace = process.env.BENCH_MEMORY_TRACE ? setInterval(traceMemory, 2000) : undefined;
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    // As the state machine's IsTransferDone loop: run TransferToArchive again while it continues,
    // each call with a 15-minute Lambda's remaining time (plus the forced budget, when given).
    const invoke = (from: RunState) => {
      const startedAt = Date.now();
      return transferBackup(from, deps, { remainingMs: () => LAMBDA_TIMEOUT_MS - (Date.now() - startedAt) });
    };
    let done = await invoke(state);
    let invocations = 1;
    while (done.transfer?.status === 'continue') {
      done = await invoke(done);
      invocations += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    if (trace) clearInterval(trace);
    const cpuSeconds = cpuSecondsSince(cpuStart);

    const archive = done.archive;
    if (!archive) throw new Error('transferBackup returned no archive record');
    // As the workflow's DeleteDeviceCopy step (not timed): the appliance keeps two backups, and the
    // next round starts new ones.
    await deleteDeviceCopy(done, deps);
    if (archive.size !== request.size) throw new Error(`transferBackup archived ${archive.size} bytes, expected ${request.size}`);
    report({
      kind: 'transfer',
      bytes: archive.size,
      seconds,
      sha256: archive.sha256,
      key: archive.key,
      manifestKey: archive.manifestKey,
      backupId: state.handle.backupId,
      invocations,
      // Range honoured: the device sent each byte once.
      bytesRead: archive.size,
      maxRssBytes: peakRssBytes(),
      rssBeforeBytes,
      cpuSeconds,
    });
  } finally {
    s3.destroy();
  }
}

function traceMemory(): void {
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1e6).toFixed(0);
  const spaces = getHeapSpaceStatistics()
    .filter((space) => space.space_size > 1e6)
    .map((space) => `${space.space_name} ${mb(space.space_size)}`)
    .join(', ');
  process.stderr.write(`memory MB: rss ${mb(m.rss)}, heapTotal ${mb(m.heapTotal)}, heapUsed ${mb(m.heapUsed)}, arrayBuffers ${mb(m.arrayBuffers)}, peak rss ${mb(peakRssBytes())}; V8 spaces: ${spaces}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`transfer-once failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
