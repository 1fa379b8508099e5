/**
 * `npm run bench`: streams backups of each size from the npm.backup 1.0 simulator into an
 * embedded s3rver (its own process) through the real Transfer step, in a child process, and reports
 * throughput and the child's peak RSS, against a bare undici download of the same size (the device
 * side's ceiling), in-memory parts into the same s3rver (the S3 side's ceiling) and the
 * `curl | aws s3 cp -` pipeline (the peer).
 *
 *   npm run bench                                  # 256 MiB, 1 GiB, 4 GiB (+ forced multi-invocation 1 GiB, 4 GiB), writes BENCHMARKS.md
 *   npx tsx bench/run.ts --sizes 64MiB,256MiB      # quick run (one round); add --write to update BENCHMARKS.md
 *   npx tsx bench/run.ts --sizes 1GiB --rounds 3   # rounds: every measurement again, ratios per round, medians
 *   npx tsx bench/run.ts --sizes 256MiB --resume-sizes 256MiB   # quick run with a forced multi-invocation transfer
 *   npx tsx bench/run.ts --http                    # plain HTTP to the simulator instead of pinned TLS
 *   npx tsx bench/run.ts --tsx                     # children on the TypeScript sources via tsx (default: esbuild
 *                                                  # bundles under plain node, as the deployed Lambda runs them)
 *
 * Fails (exit 1) when a child fails, when the archived bytes' SHA-256 differs from what the
 * simulator served, when S3 holds a different size or no manifest, when the memory target is
 * missed, or when the transfer is slower than the peer. All temporary data (s3rver's folder) is removed at the end, also on failure or Ctrl-C.
 */
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEmbeddedS3Client } from '../cli/local/embedded-s3';
import { BACKUP_FUNCTION_SIZING } from '../infra/constructs/backup-workflow-policy';
import { EXEC_WRAPPER_SOURCE, lambdaBootstrapNodeArgs } from '../infra/lambda-runtime/exec-wrapper';
import { formatBytes, formatTable } from '../cli/output/table';
import { parseByteSize } from '../simulators/common/size';
import { expectedBackupDigest, startNpmV1Simulator, type NpmV1Simulator } from '../simulators/riverbed-npm-v1';
import type { ChildRequest, DownloadResult, PeerRequest, PeerResult, SinkRequest, SinkResult, TransferRequest, TransferResult } from './protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SIZES = '256MiB,1GiB,4GiB';
/** Sizes also run with a forced small transfer budget (several TransferToArchive invocations). */
const DEFAULT_RESUME_SIZES = '1GiB,4GiB';
/** Rounds of every measurement per size in a full run (quick runs with --sizes: 1 unless --rounds). */
const DEFAULT_ROUNDS = 3;
/** A forced run must take at least this many invocations. */
const MIN_RESUMED_INVOCATIONS = 3;
const BUCKET = 'bench-archive';
const SEED = 4242;
const USERNAME = 'admin';
const PASSWORD = 'bench-password';
const BACKUP_DURATION_MS = 100;
/** The target: the Transfer process's peak RSS at the largest size. */
const RSS_LIMIT_BYTES = 256 * 1e6;
/** "Does not grow with size": peak RSS at the largest size over the smallest. */
const RSS_RATIO_LIMIT = 1.25;
const MB = 1e6;

/** One pass of every measurement at one size, one after the other on the same simulator and s3rver. */
interface Round {
  download: DownloadResult;
  /** `curl | aws s3 cp -` into the same s3rver. */
  peer: PeerResult;
  /** In-memory parts into the same s3rver: the S3 side's ceiling. */
  sink: SinkResult;
  transfer: TransferResult;
  /** CPU seconds the parent (the simulator) spent while the transfer child ran. */
  simulatorCpuSeconds: number;
  /** CPU seconds the s3rver process spent while the transfer child ran. */
  s3rverCpuSeconds: number;
}

interface SizeRun {
  size: number;
  /**
   * The machine is shared and its speed drifts: every figure is measured in several rounds, each
   * round running all of them back to back, and ratios are taken within a round, then the median.
   */
  rounds: Round[];
  /** The same transfer forced over several invocations (workflow.transferBudgetSeconds), once. */
  resumed?: TransferResult;
  sha256Verified: boolean;
}

// ---- cleanup, also on failure and on signals -------------------------------------------------

const cleanups: Array<() => Promise<void>> = [];
let runningChild: ChildProcess | undefined;

async function cleanUp(): Promise<void> {
  if (runningChild && runningChild.exitCode === null) runningChild.kill('SIGKILL');
  while (cleanups.length) {
    const step = cleanups.pop()!;
    await step().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping, removing temporary data...\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      'resume-sizes': { type: 'string' },
      rounds: { type: 'string' },
      http: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      write: { type: 'boolean' },
      out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
    },
    strict: true,
  });
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) throw new Error(`Node ${process.versions.node} is too old: run through npm (npm run bench) so node_modules/.bin/node (24) is used`);
  const sizes = (values.sizes ?? DEFAULT_SIZES).split(',').map((s) => parseByteSize(s.trim()));
  if (sizes.length === 0 || sizes.some((s) => s <= 0)) throw new Error('--sizes needs one or more positive sizes, e.g. 256MiB,1GiB');
  // A quick run with --sizes leaves the recorded figures alone unless --write is given.
  const write = values.write ?? values.sizes === undefined;
  const roundCount = Number(values.rounds ?? (values.sizes === undefined ? DEFAULT_ROUNDS : 1));
  if (!Number.isSafeInteger(roundCount) || roundCount < 1) throw new Error(`--rounds needs a whole number, 1 or more (got ${values.rounds})`);
  const tls = !values.http;

  const workDir = await mkdtemp(join(tmpdir(), 'abr-bench-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  launcher = values.tsx ? tsxLauncher : await bundleChildren(join(workDir, 'bundle'));

  say(`Node ${process.versions.node} on ${nproc()} cores; device simulator over ${tls ? 'HTTPS (certificate fingerprint pinned)' : 'plain HTTP'}; temp ${workDir}`);
  say('schedule tick (bench/schedule-tick.ts: planDispatch for 10,000 devices, mixed rules and zones)...');
  const scheduleTick = await runScheduleTick();
  say(scheduleTick.text.trimEnd());
  const runs: SizeRun[] = [];
  const resumeSizes = new Set((values['resume-sizes'] ?? (values.sizes === undefined ? DEFAULT_RESUME_SIZES : '')).split(',').filter(Boolean).map((s) => parseByteSize(s.trim())));
  for (const [index, size] of sizes.entries()) {
    runs.push(await benchOneSize(size, tls, join(workDir, `s3-${index}`), resumeSizes.has(size), roundCount));
  }

  const table = resultTable(runs);
  const checks = targetChecks(runs);
  say('');
  say(table.text);
  say('');
  for (const line of checks.lines) say(line);
  if (write) {
    await writeFile(values.out, benchmarksMarkdown(runs, table.markdown, checks.lines, tls, !values.tsx, scheduleTick.text), 'utf8');
    say(`\nwrote ${values.out}`);
  }
  if (!scheduleTick.ok) say('schedule tick: FAIL (a warm tick took 1 s or more, or the script failed; see above)');
  return checks.ok && scheduleTick.ok ? 0 : 1;
}

/** Runs bench/schedule-tick.ts in a child (fresh heap, same Node, tsx); its stdout is the report. */
function runScheduleTick(): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'schedule-tick.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    runningChild = child;
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => (stdout += text));
    child.on('error', reject);
    child.on('close', (code) => {
      runningChild = undefined;
      resolvePromise({ ok: code === 0, text: stdout });
    });
  });
}

async function benchOneSize(size: number, tls: boolean, s3Dir: string, forceResume: boolean, roundCount: number): Promise<SizeRun> {
  const label = formatBytes(size);
  const sim: NpmV1Simulator = await startNpmV1Simulator({
    tls,
    backupSize: size,
    backupDurationMs: BACKUP_DURATION_MS,
    seed: SEED,
    username: USERNAME,
    password: PASSWORD,
    hostname: 'ar11-bench',
  });
  const closeSim = () => sim.close();
  cleanups.push(closeSim);
  const s3 = await startS3Process(s3Dir);
  const closeS3 = async () => {
    await s3.close();
    await rm(s3Dir, { recursive: true, force: true });
  };
  cleanups.push(closeS3);

  const base: ChildRequest = {
    deviceUrl: sim.url,
    ...(sim.fingerprint256 ? { fingerprint256: sim.fingerprint256 } : {}),
    username: USERNAME,
    password: PASSWORD,
    size,
  };
  const transferRequest: TransferRequest = { ...base, s3Endpoint: s3.endpoint, bucket: BUCKET };

  /** Runs the transfer child and checks what it archived against what the simulator served. */
  const verifiedTransfer = async (request: TransferRequest, what: string): Promise<TransferResult> => {
    const transfer = await runChild<TransferResult>('transfer-once.ts', request, size);
    if (transfer.kind !== 'transfer') throw new Error(`${label}: transfer child answered ${JSON.stringify(transfer)}`);
    await verifyArchive(s3.client, transfer, size, label);
    const expected = expectedBackupDigest(sim.seed, transfer.backupId, size);
    if (expected.sha256 !== transfer.sha256) {
      throw new Error(
        `${label}: INTEGRITY FAILURE${what}: the transfer archived bytes with SHA-256 ${transfer.sha256}, ` +
          `but the simulator served ${expected.sha256} for backup ${transfer.backupId}`,
      );
    }
    // Free the disk (the object is `size` bytes in s3rver's folder) for the next measurement.
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: transfer.key }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: transfer.manifestKey }));
    return transfer;
  };

  const rounds: Round[] = [];
  for (let round = 1; round <= roundCount; round++) {
    const step = `${label} round ${round}/${roundCount}`;
    const download = await runChild<DownloadResult>('download-once.ts', base, size);
    if (download.kind !== 'download' || download.bytes !== size) throw new Error(`${step}: the raw download reported ${download.bytes} bytes`);

    // The three S3 measurements run in turn, in the opposite order every other round: whatever the
    // earlier ones leave behind (s3rver's page cache, dirty pages being written back) weighs on each alike.
    const measurePeer = async (): Promise<PeerResult> => {
      const peerKey = `peer/${size}.bin`;
      const peer = await runChild<PeerResult>('peer-once.ts', { ...base, s3Endpoint: s3.endpoint, bucket: BUCKET, key: peerKey } satisfies PeerRequest, size);
      const peerHead = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: peerKey }));
      if (peerHead.ContentLength !== size) throw new Error(`${step}: the peer stored ${peerHead.ContentLength} bytes, expected ${size}`);
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: peerKey }));
      return peer;
    };
    const measureSink = async (): Promise<SinkResult> => {
      const sinkKey = `sink/${size}.bin`;
      const sink = await runChild<SinkResult>('sink-once.ts', { s3Endpoint: s3.endpoint, bucket: BUCKET, key: sinkKey, size } satisfies SinkRequest, size);
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: sinkKey }));
      return sink;
    };
    const measureTransfer = async (): Promise<{ transfer: TransferResult; simulatorCpuSeconds: number; s3rverCpuSeconds: number }> => {
      const parentCpu = process.cpuUsage();
      const s3rverCpu = s3.cpuSeconds();
      const transfer = await verifiedTransfer(transferRequest, '');
      const used = process.cpuUsage(parentCpu);
      return { transfer, simulatorCpuSeconds: (used.user + used.system) / 1e6, s3rverCpuSeconds: s3.cpuSeconds() - s3rverCpu };
    };
    let peer: PeerResult;
    let sink: SinkResult;
    let measured: Awaited<ReturnType<typeof measureTransfer>>;
    if (round % 2 === 1) {
      peer = await measurePeer();
      sink = await measureSink();
      measured = await measureTransfer();
    } else {
      measured = await measureTransfer();
      sink = await measureSink();
      peer = await measurePeer();
    }
    const { transfer } = measured;
    rounds.push({ download, peer, sink, ...measured });
    say(
      `${step}: raw ${mbps(download)}, peer ${mbps(peer)}, S3 side alone ${mbps(sink)}, transfer ${mbps(transfer)} MB/s ` +
        `(SHA-256 verified); ours / peer ${(peer.seconds / transfer.seconds).toFixed(2)}; transfer peak RSS ${(transfer.maxRssBytes / MB).toFixed(0)} MB`,
    );
  }

  let resumed: TransferResult | undefined;
  if (forceResume) {
    // A budget of a quarter of the single-invocation time: four or five invocations.
    const budget = Math.max(1, Math.floor(median(rounds.map((r) => r.transfer.seconds)) / 4));
    say(`${label}: forced multi-invocation transfer (workflow.transferBudgetSeconds ${budget})...`);
    resumed = await verifiedTransfer({ ...transferRequest, transferBudgetSeconds: budget }, ' after several invocations');
    if (resumed.invocations < MIN_RESUMED_INVOCATIONS) {
      throw new Error(`${label}: the forced run took ${resumed.invocations} invocations, at least ${MIN_RESUMED_INVOCATIONS} were wanted`);
    }
    say(`${label}: ${resumed.invocations} invocations, ${mbps(resumed)} MB/s, SHA-256 verified`);
  }

  await closeS3();
  cleanups.splice(cleanups.indexOf(closeS3), 1);
  await closeSim();
  cleanups.splice(cleanups.indexOf(closeSim), 1);
  return { size, rounds, ...(resumed ? { resumed } : {}), sha256Verified: true };
}

/** The median (the lower middle of an even count: the less flattering of the two for a ratio). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The median over the rounds of a per-round figure. */
function across(run: SizeRun, figure: (round: Round) => number): number {
  return median(run.rounds.map(figure));
}

/** Throughput from the median seconds of one measurement. */
function medianMbps(run: SizeRun, pick: (round: Round) => { seconds: number }): string {
  return (run.size / MB / across(run, (round) => pick(round).seconds)).toFixed(1);
}

/** What S3 holds must be the object of the reported size and its manifest (the commit mark). */
async function verifyArchive(client: S3Client, transfer: TransferResult, size: number, label: string): Promise<void> {
  const object = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: transfer.key }));
  if (object.ContentLength !== size) {
    throw new Error(`${label}: s3rver holds ${object.ContentLength} bytes at ${transfer.key}, expected ${size}`);
  }
  await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: transfer.manifestKey })).catch((error: unknown) => {
    throw new Error(`${label}: no manifest at ${transfer.manifestKey}: ${String(error)}`);
  });
}

/** The embedded s3rver in a process of its own (bench/s3-server.ts), so it does not share the simulator's thread. */
interface S3Process {
  endpoint: string;
  client: S3Client;
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds(): number;
  /** Stops the process; the data stays in its folder. */
  close(): Promise<void>;
}

async function startS3Process(directory: string): Promise<S3Process> {
  // Through tsx even when the other children are bundled: s3rver is loaded with require() at run time.
  const child = spawn(process.execPath, [...tsxLauncher('s3-server.ts'), JSON.stringify({ directory, buckets: [BUCKET] })], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolvePromise, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      try {
        resolvePromise((JSON.parse(stdout.slice(0, newline)) as { endpoint: string }).endpoint);
      } catch {
        reject(new Error(`s3-server.ts printed no endpoint line: ${stdout.slice(0, 300)}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`s3-server.ts ended (${signal ?? `exit code ${code}`}) before it listened; its stderr is above`)));
  });
  const client = createEmbeddedS3Client(endpoint);
  const closeProcess = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end(); // s3-server.ts stops when its stdin closes
    await exited;
  };
  cleanups.push(closeProcess);
  return {
    endpoint,
    client,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    async close() {
      client.destroy();
      await closeProcess();
      cleanups.splice(cleanups.indexOf(closeProcess), 1);
    },
  };
}

/** utime + stime of a live process, from /proc/<pid>/stat (fields 14 and 15, in USER_HZ = 100 ticks a second). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: field 3 is index 0.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs bench/<script> under the same Node with tsx; returns the JSON line it prints last. */
function runChild<T>(script: ChildScript, request: ChildRequest | TransferRequest | PeerRequest | SinkRequest, size: number): Promise<T> {
  // Generous: 3 minutes plus 5 MB/s; a stuck child is killed rather than hanging the run.
  const timeoutMs = 180_000 + (size / (5 * MB)) * 1000;
  return new Promise<T>((resolvePromise, reject) => {
    const [command, ...args] = script === 'transfer-once.ts' ? asTransferLambda(launcher(script)) : [process.execPath, ...launcher(script)];
    const child = spawn(command!, [...args, JSON.stringify(request)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    runningChild = child;
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => (stdout += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} took longer than ${Math.round(timeoutMs / 1000)} s; killed`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      runningChild = undefined;
      if (code !== 0) {
        reject(new Error(`${script} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); its stderr is above`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result line; stdout was: ${stdout.slice(0, 500)}`));
      }
    });
  });
}

/**
 * The transfer child starts as Lambda starts TransferToArchive: the Node.js bootstrap's V8 flags for
 * the function's memory, handed to the runner's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER).
 */
function asTransferLambda(nodeArgs: string[]): string[] {
  const bootstrap = lambdaBootstrapNodeArgs(BACKUP_FUNCTION_SIZING.TransferToArchive.memoryMb);
  // BENCH_TRANSFER_NODE_FLAGS: more node flags for this child only, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
  const extra = process.env.BENCH_TRANSFER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  return ['bash', EXEC_WRAPPER_SOURCE, process.execPath, ...bootstrap, ...extra, ...nodeArgs];
}

/** How a child script is started: node arguments before the JSON request. */
type Launcher = (script: ChildScript) => string[];
type ChildScript = 'download-once.ts' | 'transfer-once.ts' | 'peer-once.ts' | 'sink-once.ts' | 's3-server.ts';
const tsxLauncher: Launcher = (script) => ['--import', 'tsx', join(ROOT, 'bench', script)];
let launcher: Launcher = tsxLauncher;

/**
 * default (without --tsx): the children as one esbuild bundle each, run by plain node, as the deployed Lambda runs
 * its code (NodejsFunction bundles with esbuild); without tsx's loader thread in the RSS.
 */
async function bundleChildren(outDir: string): Promise<Launcher> {
  const { build } = await import('esbuild');
  const scripts: ChildScript[] = ['download-once.ts', 'transfer-once.ts', 'peer-once.ts', 'sink-once.ts'];
  await build({
    entryPoints: scripts.map((s) => join(ROOT, 'bench', s)),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'warning',
    // Some dependencies are CommonJS and call require() for Node built-ins.
    // ssh2 (in the driver registry) reads __dirname when its module loads, which ESM lacks.
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; import { dirname as __benchDirname } from 'node:path'; const require = __benchRequire(import.meta.url); const __dirname = __benchDirname(new URL(import.meta.url).pathname);",
    },
    // As the Lambda bundles (runner-function.ts): ssh2's optional native addons fall back to JS.
    loader: { '.node': 'empty' },
  });
  return (script) => [join(outDir, script.replace(/\.ts$/, '.mjs'))];
}

// ---- reporting --------------------------------------------------------------------------------

function mbps(result: { bytes: number; seconds: number }): string {
  return (result.bytes / MB / result.seconds).toFixed(1);
}

function resultTable(runs: SizeRun[]): { text: string; markdown: string } {
  const header = [
    'size',
    'rounds',
    'raw MB/s',
    'peer MB/s',
    'S3 side alone MB/s',
    'transfer MB/s',
    'transfer s',
    'ours / peer',
    'ours / raw',
    'ours / S3 side',
    'peer peak RSS MB',
    'transfer peak RSS MB',
    'RSS before transfer MB',
    'transfer CPU s',
    'peer CPU s',
    'simulator CPU s',
    's3rver CPU s',
    'SHA-256',
    'forced invocations',
    'forced s',
    'resume overhead',
    'forced peak RSS MB',
  ];
  const rows = runs.map((r) => {
    const transferSeconds = across(r, (round) => round.transfer.seconds);
    return [
      formatBytes(r.size),
      String(r.rounds.length),
      medianMbps(r, (round) => round.download),
      medianMbps(r, (round) => round.peer),
      medianMbps(r, (round) => round.sink),
      medianMbps(r, (round) => round.transfer),
      transferSeconds.toFixed(1),
      across(r, (round) => round.peer.seconds / round.transfer.seconds).toFixed(2),
      across(r, (round) => round.download.seconds / round.transfer.seconds).toFixed(2),
      across(r, (round) => round.sink.seconds / round.transfer.seconds).toFixed(2),
      (Math.max(...r.rounds.map((round) => round.peer.maxRssBytes)) / MB).toFixed(0),
      (peakTransferRss(r) / MB).toFixed(0),
      (across(r, (round) => round.transfer.rssBeforeBytes) / MB).toFixed(0),
      across(r, (round) => round.transfer.cpuSeconds).toFixed(1),
      across(r, (round) => round.peer.cpuSeconds).toFixed(1),
      across(r, (round) => round.simulatorCpuSeconds).toFixed(1),
      across(r, (round) => round.s3rverCpuSeconds).toFixed(1),
      r.sha256Verified ? 'verified' : 'MISMATCH',
      r.resumed ? String(r.resumed.invocations) : '-',
      r.resumed ? r.resumed.seconds.toFixed(1) : '-',
      r.resumed ? `${(((r.resumed.seconds - transferSeconds) / transferSeconds) * 100).toFixed(0)}%` : '-',
      r.resumed ? (r.resumed.maxRssBytes / MB).toFixed(0) : '-',
    ];
  });
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map((h, i) => (i === 0 || h === 'SHA-256' ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  return { text: formatTable(header, rows), markdown };
}

/** A share of the slower side that counts as keeping up with it. */
const KEEP_UP_RATIO = 0.8;

/**
 * The targets, one line each. The exit code covers memory (flat, under the limit) and speed against
 * the peer; "ours / raw" is printed but cannot be met against s3rver (the S3 side alone is far below
 * the raw download), so the pipeline is also judged against the slower of its two sides.
 */
function targetChecks(runs: SizeRun[]): { ok: boolean; lines: string[] } {
  const bySize = [...runs].sort((a, b) => a.size - b.size);
  const smallest = bySize[0]!;
  const largest = bySize[bySize.length - 1]!;
  const largestRss = peakTransferRss(largest);
  const ratio = largestRss / peakTransferRss(smallest);
  const underLimit = largestRss <= RSS_LIMIT_BYTES;
  const flat = bySize.length < 2 || ratio <= RSS_RATIO_LIMIT;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const lines = [
    `Peak RSS ratio largest/smallest (${formatBytes(largest.size)} / ${formatBytes(smallest.size)}, the highest peak of any round): ${ratio.toFixed(2)} ` +
      `(${verdict(flat)}: at most ${RSS_RATIO_LIMIT} counts as not growing with size)`,
    `Peak RSS of the transfer process at ${formatBytes(largest.size)}: ${(largestRss / MB).toFixed(0)} MB = ` +
      `${(largestRss / 1024 ** 2).toFixed(1)} MiB (${verdict(underLimit)}: target at most ${RSS_LIMIT_BYTES / MB} MB, 10^6 bytes)`,
  ];
  let fasterThanPeer = true;
  for (const r of bySize) {
    const vsPeer = across(r, (round) => round.peer.seconds / round.transfer.seconds);
    const vsRaw = across(r, (round) => round.download.seconds / round.transfer.seconds);
    const sinkVsRaw = across(r, (round) => round.download.seconds / round.sink.seconds);
    // The pipeline's own ceiling is whichever side is slower in that round.
    const vsSlower = across(r, (round) => Math.max(round.download.seconds, round.sink.seconds) / round.transfer.seconds);
    fasterThanPeer &&= vsPeer >= 1;
    lines.push(
      `${formatBytes(r.size)} (medians of ${r.rounds.length} rounds' ratios): ours / peer ${vsPeer.toFixed(2)} (${verdict(vsPeer >= 1)}: at least the \`curl | aws s3 cp -\` pipeline); ` +
        `ours / raw ${vsRaw.toFixed(2)} (${verdict(vsRaw >= KEEP_UP_RATIO)}: ${KEEP_UP_RATIO} wanted, but the S3 side alone reaches only ${sinkVsRaw.toFixed(2)} of the raw download, ` +
        `so no pipeline into this S3 can); ours / the slower side ${vsSlower.toFixed(2)} (${verdict(vsSlower >= KEEP_UP_RATIO)}: at least ${KEEP_UP_RATIO})`,
    );
  }
  return { ok: underLimit && flat && fasterThanPeer, lines };
}

/** The transfer child's highest peak RSS over the rounds. */
function peakTransferRss(run: SizeRun): number {
  return Math.max(...run.rounds.map((round) => round.transfer.maxRssBytes));
}

function nproc(): number {
  return availableParallelism();
}

function benchmarksMarkdown(runs: SizeRun[], table: string, checks: string[], tls: boolean, bundled: boolean, scheduleTick: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const sizes = runs.map((r) => formatBytes(r.size)).join(', ');
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${date}.

- Machine: ${nproc()} cores (\`nproc\`), ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${release()}
- Node ${process.versions.node} (parent and children; children run ${bundled ? 'as esbuild bundles under plain \`node\` (the default), like the deployed Lambda' : '\`node --import tsx\` on the TypeScript sources'})
- Sizes: ${sizes}; device simulator over ${tls ? 'HTTPS with the certificate fingerprint pinned (as a device config does)' : 'plain HTTP'}

## What is measured

For each size, a fresh Riverbed npm.backup 1.0 simulator (simulators/riverbed-npm-v1, content generated on
the fly with AES-256-CTR) runs in the parent process, and a fresh embedded s3rver (cli/local/embedded-s3, data in
a temp folder removed afterwards) in a process of its own (bench/s3-server.ts), so the two do not share one
JavaScript thread. Then, in each of ${runs[0]?.rounds.length ?? 1} rounds, child processes run one after the other (steps 1-4; every
other round runs steps 2-4 in the opposite order, so that what one leaves behind in s3rver weighs on each alike):

1. **raw download** (bench/download-once.ts), the ceiling: log in, start a backup, poll, then one undici
   \`request\` for the backup file with the body consumed and discarded. Same TLS connector as the product.
2. **peer** (bench/peer-once.ts), what users script today: log in, start, poll as above, then
   \`curl -sSfk <file url> -H 'Authorization: Bearer ...' | aws s3 cp - s3://bench-archive/peer/... --endpoint-url <s3rver>
   --expected-size N\` with the AWS CLI on this machine (${awsCliVersion()}), into the same s3rver
   (\`AWS_REQUEST_CHECKSUM_CALCULATION=when_required\`: s3rver would store a trailing checksum's framing as data).
   Only the pipeline is timed; its peak RSS is GNU time's %M (the largest process of the pipeline).
3. **S3 side alone** (bench/sink-once.ts), the other ceiling: the transfer's own multipart code, part size and parts
   in flight, sending bytes already in memory into the same s3rver and completing the upload; no device, no TLS,
   no hashing. No pipeline into this S3 can be faster.
4. **transfer** (bench/transfer-once.ts): the real workflow steps \`startBackup\` -> \`pollBackup\` (until
   completed) -> \`transferBackup\` with a 15-minute Lambda's remaining time, with the real driver, HTTP client,
   the resumable multipart uploader (lambdas/transfer/resumable: part size 8 MiB up to 80 GB, 4 parts in flight,
   reused part buffers) and the manifest write. Only the TransferToArchive invocations are timed; they include
   s3rver's CompleteMultipartUpload and the manifest PUT. Archive checksum \`none\`, as \`backup-runner run\` uses
   against s3rver (which stores none) and as the peer sends none.
   The child starts as Lambda starts TransferToArchive: with the Node.js bootstrap's V8 flags for the function's
   memory (${BACKUP_FUNCTION_SIZING.TransferToArchive.memoryMb} MB), through the runner's exec wrapper (infra/lambda-runtime/exec-wrapper.sh), which caps V8's young generation.
5. **forced multi-invocation transfer** (for ${DEFAULT_RESUME_SIZES} by default): the same child with
   \`workflow.transferBudgetSeconds\` = a quarter of the single run's seconds, looping TransferToArchive as the
   state machine's IsTransferDone choice does. It must take at least ${MIN_RESUMED_INVOCATIONS} invocations and archive the exact bytes.
   It hashes with the resumable (pure JavaScript) SHA-256 throughout, because each invocation is predicted
   not to finish; the single run above hashes with node:crypto once its first part shows it will finish in time.

The machine is shared and its speed drifts from minute to minute (the same step varies by up to 2x between runs),
so each figure is the median over the rounds, and each ratio is taken within a round (the two steps ran minutes
apart at most) and then the median of those ratios is shown. Peak RSS is the highest of any round.

Columns: MB/s (10^6 bytes/s) and seconds of the timed step; "ours / peer", "ours / raw" and "ours / S3 side" =
throughput ratios (the other's seconds / the transfer's seconds); "resume overhead" = extra wall time of the forced
run over the single run; "transfer peak RSS MB" = the transfer child's \`process.resourceUsage().maxRSS\` (the peak over
the child's whole life, so it includes Node and the AWS SDK); "RSS before transfer" = its RSS right before
\`transferBackup\`; "transfer CPU s" = the child's user+system CPU during the step, "peer CPU s" the pipeline's (curl, aws, bash); "simulator CPU s" = the parent's
CPU and "s3rver CPU s" the s3rver process's while the transfer child ran. SHA-256: the digest the transfer step
computed (the one the manifest records) equals \`expectedBackupDigest\` of what the simulator served, and s3rver
holds an object of exactly that size plus its manifest; the run fails otherwise.

## Results

${table}

${checks.map((line) => `- ${line}`).join('\n')}

## Schedule tick

\`bench/schedule-tick.ts\`: what the dispatcher plans every tick (\`planDispatch\`), for 10,000 devices with mixed
rules and zones (daily, weekly, last weekday of the month, QUARTERLY and DAILY recurrence_rule objects, hourly and
every-N-minutes rules, DTSTART;TZID rules) over 12 five-minute ticks from the European spring-forward night, every
50th device marked running, jitter 10 min. The first tick parses every rule; the next ones are what a warm Lambda
pays. Target: a warm tick well under 1 s.

\`\`\`
${scheduleTick.trimEnd()}
\`\`\`

## Caveats

- Everything runs on the same ${nproc()} cores: the simulator (AES keystream${tls ? ' + TLS encryption' : ''}), s3rver (HTTP parsing,
  MD5 of each part, writing parts, then reading, hashing and writing them again on CompleteMultipartUpload) and the
  transfer child (${tls ? 'TLS decryption, ' : ''}SHA-256 of the stream, sending; parts go UNSIGNED-PAYLOAD to a loopback or
  HTTPS endpoint, while the AWS CLI hashes every part for its signature over plain HTTP) compete for them. The MB/s figures are therefore lower bounds for the Transfer Lambda talking to a real
  device and real S3. The memory figures do not depend on this.
- s3rver is the narrowest part here, and the reason "ours / raw" stays far below 0.8: the S3 side alone (in-memory
  bytes, no device) reaches only a fraction of the raw download (see the table and the target lines: a profile of
  s3rver shows its one thread busy with MD5 twice over every byte, then file writes and reads, about 12 CPU seconds
  per GiB). The fair measure of our pipeline's own overhead is ours against the slower of its two sides.
- The resumable SHA-256 (pure JavaScript, so its state can be carried between invocations) runs at only about
  30-50 MB/s on this loaded machine (node:crypto: about 1 GB/s): it is what makes the forced runs slower. A
  transfer that needs several invocations anyway is limited by the device link or the time budget, not by this.
- Against real S3 the archive's full-object CRC64NVME (default) adds our JavaScript CRC plus the SDK's per-part
  CRC64NVME: on this machine 256 MiB dropped from about 37 to 27 MB/s with it (measured by hand, same code).
- Peak RSS is the whole child process: about half of it is there before the transfer starts (Node, the AWS SDK,
  undici, zod); the children run as esbuild bundles under plain node, as the Lambda does (\`--tsx\` runs the sources instead).
- V8's young generation: Lambda's bootstrap gives it 5% of the function's memory per semi-space (51 MB at 1024 MB) and
  V8 grows it step by step during a long transfer without giving it back, so before the exec wrapper capped it at
  8 MB the peak RSS rose from about 245 MB at 1 GiB to 280-310 MB at 4 GiB (\`BENCH_MEMORY_TRACE=1\` prints the V8
  spaces every 2 s). The cap cost no measurable speed.
- s3rver writes the object to local disk (twice: parts, then the assembled object), so disk speed is in the transfer
  figure; real S3 completes a multipart upload without that copy.
- The S3 client uses \`requestChecksumCalculation: WHEN_REQUIRED\` (s3rver stores aws-chunked framing otherwise);
  against real S3 the SDK default adds a CRC32 per part.

## How to run

\`\`\`
npm run bench                               # 256 MiB, 1 GiB, 4 GiB, ${DEFAULT_ROUNDS} rounds each; forced resumption at 1 GiB and 4 GiB; rewrites this file (about 40 minutes)
npx tsx bench/run.ts --sizes 1GiB --rounds 3  # one size, three rounds
npx tsx bench/run.ts --sizes 64MiB,256MiB   # quick check; does not touch this file unless --write
npx tsx bench/run.ts --sizes 256MiB --resume-sizes 256MiB   # quick check including a forced multi-invocation run
npx tsx bench/run.ts --http                 # plain HTTP to the simulator
npx tsx bench/run.ts --tsx                  # children on the TypeScript sources through tsx
\`\`\`

Exit code 1 on any failure: a child failing, a SHA-256 or size mismatch, a forced run with fewer than ${MIN_RESUMED_INVOCATIONS} invocations, a missed memory target
(peak RSS at the largest size above ${RSS_LIMIT_BYTES / MB} MB, or more than ${RSS_RATIO_LIMIT}x the smallest size's), or a transfer slower than the peer.
`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  process.stderr.write(`\nBENCHMARK FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);

/** The AWS CLI's version line, for the report. */
function awsCliVersion(): string {
  try {
    return execFileSync('aws', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(' ')[0] ?? 'aws-cli';
  } catch {
    return 'aws-cli (version unknown)';
  }
}
