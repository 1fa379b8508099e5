import type { FullObjectChecksumAlgorithm } from '../full-object-checksum';
import type { Sha256State } from './sha256';

/**
 * What a transfer that ran out of time hands to the next invocation, inside the RunState: small
 * JSON (a few hundred bytes whatever the object size). The parts themselves stay in S3's
 * multipart upload; their ETags are listed again (ListParts) when the upload completes, so the
 * state does not grow with the part count (Step Functions caps a state at 256 KiB).
 */
export interface TransferContinuation {
  status: 'continue';
  bucket: string;
  key: string;
  uploadId: string;
  contentType: string;
  /** Every part but the last has exactly this many bytes, so part N starts at (N - 1) x partSize. */
  partSize: number;
  /** Parts 1..partsDone are stored; the next byte to send is partsDone x partSize. */
  partsDone: number;
  nextOffset: number;
  /** The whole file's size as the device announced it when the transfer began; null when unknown. */
  expectedSize: number | null;
  /** The device's validator of the file (ETag / Last-Modified) when the transfer began. */
  version?: string;
  /** SHA-256 of bytes [0, nextOffset), resumable: the manifest's `sha256` is of the exact bytes. */
  sha256: Sha256State;
  /** The full-object CRC's register over [0, nextOffset), when the upload asks S3 for one. */
  checksum?: { algorithm: FullObjectChecksumAlgorithm; state: string };
  /** Invocations that worked on this transfer so far. */
  invocations: number;
  /** Bytes read from the device over all invocations, re-read bytes included (the cost of skipping). */
  bytesRead: number;
  /** When the first invocation began (ISO-8601). */
  startedAt: string;
}

/**
 * The hand-over when an invocation that hashed with node:crypto (predicted to finish, see
 * chooseHashing) runs out of time after all: its SHA-256 state cannot be carried, so its upload
 * is aborted and the next invocation starts again from byte 0 with resumable hashing. Rare: the
 * prediction leaves half the time spare.
 */
export interface TransferRestart {
  status: 'continue';
  restart: true;
  key: string;
  invocations: number;
  bytesRead: number;
  startedAt: string;
}

export type TransferHandOver = TransferContinuation | TransferRestart;

/**
 * SHA-256 with node:crypto (about 20x faster here, not resumable) or our resumable one: fast when
 * there is no deadline, or when the rest of the file, at the rate the first part came in, arrives
 * in under half the time left; resumable otherwise (and always once a transfer was handed over).
 */
export function chooseHashing(input: { nowMs: number; deadlineMs: number | undefined; remainingBytes: number | undefined; bytesPerMs: number }): 'fast' | 'resumable' {
  if (input.deadlineMs === undefined) return 'fast';
  if (input.remainingBytes === undefined || input.bytesPerMs <= 0) return 'resumable';
  return input.nowMs + (2 * input.remainingBytes) / input.bytesPerMs < input.deadlineMs ? 'fast' : 'resumable';
}

/** How an invocation picks up a continuation, given what the device sent this time. */
export type ResumePlan =
  | { kind: 'range' }
  | { kind: 'skip'; bytes: number }
  | { kind: 'changed'; reason: string }
  | { kind: 'protocol'; reason: string };

/**
 * Decides how to resume: the device sent the body from the next byte (Range honoured), or from
 * the start (skip what is stored, checking it hashes the same), or the file is not the one the
 * transfer began with (another size or validator): never splice two versions into one object.
 */
export function planResume(continuation: TransferContinuation, artifact: { size: number | undefined; offset?: number; version?: string }): ResumePlan {
  const size = artifact.size ?? null;
  if (size !== continuation.expectedSize) {
    return { kind: 'changed', reason: `the file now has ${size ?? 'an unknown number of'} bytes, it had ${continuation.expectedSize ?? 'an unknown number of'} when the transfer began` };
  }
  if (continuation.version !== undefined && artifact.version !== undefined && artifact.version !== continuation.version) {
    return { kind: 'changed', reason: `the file's validator is now ${artifact.version}, it was ${continuation.version} when the transfer began` };
  }
  if (size !== null && continuation.nextOffset > size) {
    return { kind: 'changed', reason: `${continuation.nextOffset} bytes are stored already, but the file has only ${size}` };
  }
  const offset = artifact.offset ?? 0;
  if (offset === continuation.nextOffset) return { kind: 'range' };
  if (offset === 0) return { kind: 'skip', bytes: continuation.nextOffset };
  return { kind: 'protocol', reason: `asked for the file from byte ${continuation.nextOffset}, the device sent it from byte ${offset}` };
}

/**
 * The instant (epoch ms) by which an invocation must have stopped reading: the Lambda's
 * remaining time minus a margin for the parts in flight, the manifest and the return; or a forced
 * budget (config, tests, the bench), whichever is sooner. Undefined: no limit (local CLI runs).
 */
export function transferDeadline(input: { nowMs: number; remainingMs?: number; budgetSeconds?: number; marginMs: number }): number | undefined {
  const candidates: number[] = [];
  if (input.remainingMs !== undefined) candidates.push(input.nowMs + Math.max(0, input.remainingMs - input.marginMs));
  if (input.budgetSeconds !== undefined) candidates.push(input.nowMs + input.budgetSeconds * 1000);
  return candidates.length ? Math.min(...candidates) : undefined;
}

/**
 * At a part boundary: stop now rather than start a part that would not be read by the deadline.
 * `partMs` is how long the last part took to arrive; 1.5 x leaves room for a slowing link.
 */
export function shouldStopAtBoundary(input: { nowMs: number; deadlineMs: number | undefined; partMs: number }): boolean {
  if (input.deadlineMs === undefined) return false;
  return input.nowMs + 1.5 * input.partMs > input.deadlineMs;
}
