/**
 * What the benchmark parent (bench/run.ts) and its child processes (bench/*-once.ts) exchange:
 * the request goes in as one JSON argument, the result comes back as one JSON line on stdout. Everything else the children print goes to stderr.
 */

export interface ChildRequest {
  /** The simulator's base URL, http://127.0.0.1:<port> or https://... */
  deviceUrl: string;
  /** With https: the certificate's SHA-256 fingerprint, pinned exactly as a device config would pin it. */
  fingerprint256?: string;
  username: string;
  password: string;
  /** Bytes the simulator serves (checked by the child too). */
  size: number;
}

export interface TransferRequest extends ChildRequest {
  s3Endpoint: string;
  bucket: string;
  /** workflow.transferBudgetSeconds: forces the transfer over several invocations (the child loops, as the state machine does). */
  transferBudgetSeconds?: number;
}

/** The peer: `curl | aws s3 cp -` into the same S3 (bench/peer-once.ts). */
export interface PeerRequest extends ChildRequest {
  s3Endpoint: string;
  bucket: string;
  key: string;
}

/** The S3 side's ceiling: in-memory parts into the same S3 (bench/sink-once.ts). */
export interface SinkRequest {
  s3Endpoint: string;
  bucket: string;
  key: string;
  size: number;
}

/** Common to all children. */
export interface ChildResult {
  /** Bytes moved by the measured step. */
  bytes: number;
  /** Wall time of the measured step only (not login, start or polling). */
  seconds: number;
  /** Peak resident set size of the child over its whole life: process.resourceUsage().maxRSS * 1024. */
  maxRssBytes: number;
  /** RSS right before the measured step (after imports, login, start, polls). */
  rssBeforeBytes: number;
  /** User + system CPU seconds the child spent in the measured step (2 cores: at most 2 per wall second). */
  cpuSeconds: number;
  /** The device-side backup id, for expectedBackupDigest. */
  backupId: string;
}

export interface TransferResult extends ChildResult {
  kind: 'transfer';
  /** TransferToArchive invocations it took (1 unless a budget was forced). */
  invocations: number;
  /** Bytes read from the device over all invocations (more than the size when a device re-sends from the start). */
  bytesRead: number;
  /** SHA-256 the transfer step computed on the way to S3 (what the manifest records). */
  sha256: string;
  key: string;
  manifestKey: string;
}

export interface DownloadResult extends ChildResult {
  kind: 'download';
}

export interface SinkResult extends ChildResult {
  kind: 'sink';
}

export interface PeerResult extends ChildResult {
  kind: 'peer';
  /** The pipeline's command line, token elided. */
  command: string;
}

/** Reads the one JSON argument a child gets. */
export function readRequest<T>(argv: readonly string[]): T {
  const text = argv[2];
  if (text === undefined) throw new Error('expected one JSON argument (this script is started by bench/run.ts)');
  return JSON.parse(text) as T;
}

/** The child's last words: one JSON line on stdout. */
export function report(result: TransferResult | DownloadResult | PeerResult | SinkResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}
