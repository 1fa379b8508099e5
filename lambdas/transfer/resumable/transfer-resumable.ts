import type { S3Client } from '@aws-sdk/client-s3';
import { finished, type Readable } from 'node:stream';
import { BackupRunnerError, DeviceProtocolError, DeviceUnreachable, IntegrityError, OperationTimedOut } from '../../common/errors';
import { silentLog, type Log } from '../../common/log';
import { createRunningChecksum, type FullObjectChecksumAlgorithm, type RunningChecksum } from '../full-object-checksum';
import { checkPartSize, choosePartSize } from '../part-size';
import { checkFinalSize, checkRunningSize } from '../size-check';
import { confirmChecksum, DEFAULT_ARCHIVE_CHECKSUM, DEFAULT_QUEUE_SIZE, type ArchiveChecksumOption, type UploadedObject } from '../archive-object';
import { chooseHashing, planResume, shouldStopAtBoundary, type TransferContinuation, type TransferRestart } from './continuation';
import { abortUpload, checkEarlierParts, completeUpload, createUpload, listStoredParts, putWholeObject, uploadPart, type ObjectTarget, type StoredPart } from './multipart';
import { TransferSha256 } from './transfer-sha256';

export interface ResumableTransferRequest {
  s3: S3Client;
  bucket: string;
  key: string;
  deviceId: string;
  /** What the driver opened: the body is consumed, and destroyed whenever this returns or throws. */
  artifact: { body: Readable; size: number | undefined; offset?: number; version?: string; contentType: string };
  /** The previous invocation's hand-over; absent on the first invocation. */
  continuation?: TransferContinuation;
  /** A restart after a fast-hashing invocation ran out of time: start at byte 0, hash resumably, keep the counts. */
  restartOf?: TransferRestart;
  /** Full-object checksum of a new upload (a continuation keeps its own). Default CRC64NVME. */
  checksum?: ArchiveChecksumOption;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
  /** Default choosePartSize(size): 10,000 parts reach S3's 5 TiB maximum. */
  partSize?: number;
  /** Parts uploading at once; memory is about (queueSize + 1) x partSize. Default 4. */
  queueSize?: number;
  /** Epoch ms by which to stop reading (transferDeadline); undefined: run to the end. */
  deadlineMs?: number;
  now?: () => number;
  log?: Log;
}

export type ResumableTransferResult =
  | { status: 'complete'; object: UploadedObject; invocations: number; bytesRead: number; startedAt: string }
  | { status: 'continue'; continuation: TransferContinuation | TransferRestart };

/**
 * Streams a device's file into one S3 object across as many invocations as it takes. Each
 * invocation reads whole parts until its deadline, hashes them (SHA-256 and the full-object CRC,
 * both resumable), uploads them with bounded parts in flight, and either completes the upload or
 * returns a continuation at a part boundary; the next invocation continues the same multipart
 * upload from the device's Range answer, or re-reads and checks the stored prefix. Any failure
 * aborts the multipart upload: an object exists only with exactly the announced bytes.
 */
export async function transferResumable(request: ResumableTransferRequest): Promise<ResumableTransferResult> {
  const { artifact, continuation: prior, deviceId } = request;
  const target: ObjectTarget = { s3: request.s3, bucket: request.bucket, key: request.key, deviceId };
  const log = request.log ?? silentLog;
  const now = request.now ?? Date.now;
  const expectedSize = artifact.size;
  const where = `s3://${request.bucket}/${request.key}`;
  const { partSize, queueSize } = resolveSizes(request);
  const configured = request.checksum ?? DEFAULT_ARCHIVE_CHECKSUM;
  const algorithm: FullObjectChecksumAlgorithm | undefined = prior ? prior.checksum?.algorithm : configured === 'none' ? undefined : configured;
  const carried = prior ?? request.restartOf;
  const startedAtIso = carried?.startedAt ?? new Date(now()).toISOString();

  let uploadId = prior?.uploadId;
  const source = new ChunkSource(artifact.body, request.deadlineMs, now);
  let position = artifact.offset ?? 0;
  const inFlight = new Set<Promise<void>>();
  try {
    if (prior && (prior.bucket !== request.bucket || prior.key !== request.key)) {
      throw new BackupRunnerError(`the continuation is for s3://${prior.bucket}/${prior.key}, not ${where}`, { deviceId });
    }
    const { sha256, checksum } = await startHashes(prior, artifact, algorithm, source, request, where);
    const firstReadAt = now();
    position = sha256.length;

    const partsBefore = prior?.partsDone ?? 0;
    const parts: StoredPart[] = [];
    let uploadFailure: unknown;
    let partNumber = partsBefore + 1;
    let partStartedAt = now();
    let outcome: 'ended' | 'boundary' | 'deadline' = 'ended';

    // Part buffers are reused once their upload has settled: at most queueSize + 1 ever exist, and
    // the garbage collector never has to catch up with a stream of fresh 8+ MiB allocations.
    const pool: Buffer[] = [];
    for (;;) {
      const buffer = pool.pop() ?? Buffer.allocUnsafe(partSize);
      const fill = await source.fill(buffer);
      if (fill.timedOut) {
        outcome = 'deadline'; // the partial part is dropped: the state stays at the last boundary
        break;
      }
      const tooMany = checkRunningSize(deviceId, expectedSize, position + fill.filled);
      if (tooMany) throw tooMany;
      if (fill.ended && fill.filled === 0 && uploadId) break;
      const part = buffer.subarray(0, fill.filled);
      sha256.update(part);
      checksum?.update(part);
      position += fill.filled;
      if (sha256.undecided) {
        const remainingBytes = expectedSize === undefined ? undefined : expectedSize - position;
        sha256.keepOnly(chooseHashing({ nowMs: now(), deadlineMs: request.deadlineMs, remainingBytes, bytesPerMs: position / Math.max(1, now() - firstReadAt) }));
      }

      if (fill.ended && !uploadId) {
        // The whole file fits in one part: one PutObject, as lib-storage does.
        const wrongSize = checkFinalSize(deviceId, expectedSize, position);
        if (wrongSize) throw wrongSize;
        const stored = await putWholeObject(target, { contentType: artifact.contentType, ...fieldsOf(request), ...(algorithm ? { algorithm } : {}) }, part);
        return complete(stored, position);
      }
      uploadId ??= await createUpload(target, { contentType: artifact.contentType, ...fieldsOf(request), ...(algorithm ? { algorithm } : {}) });
      while (inFlight.size >= queueSize) await Promise.race(inFlight);
      if (uploadFailure) throw uploadFailure;
      const number = partNumber++;
      const sending: Promise<void> = uploadPart(target, uploadId, number, part, algorithm)
        .then(
          (stored) => void parts.push(stored),
          (error: unknown) => void (uploadFailure ??= error),
        )
        .finally(() => pool.push(buffer));
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));

      const partMs = now() - partStartedAt;
      partStartedAt = now();
      if (fill.ended) break;
      const atKnownEnd = expectedSize !== undefined && position === expectedSize;
      if (!atKnownEnd && shouldStopAtBoundary({ nowMs: now(), deadlineMs: request.deadlineMs, partMs })) {
        outcome = 'boundary';
        break;
      }
    }
    await Promise.all(inFlight);
    if (uploadFailure) throw uploadFailure;
    const bytesRead = (carried?.bytesRead ?? 0) + source.bytesRead;
    const invocations = (carried?.invocations ?? 0) + 1;

    if (outcome !== 'ended' && !sha256.resumable) {
      // Predicted to finish, but did not: the fast SHA-256 cannot be carried over. Start again
      // with resumable hashing (rare: the prediction leaves half the time spare).
      source.release();
      if (uploadId) await abortUpload(target, uploadId, log);
      uploadId = undefined;
      log.warn('the transfer did not finish in the time predicted; it starts again from byte 0 with resumable hashing', { deviceId, key: request.key, at: position });
      return { status: 'continue', continuation: { status: 'continue', restart: true, key: request.key, invocations, bytesRead, startedAt: startedAtIso } };
    }
    if (outcome !== 'ended') {
      source.release();
      const partsDone = partNumber - 1;
      if (partsDone === partsBefore) {
        throw new OperationTimedOut(
          `no whole part of ${partSize} bytes arrived from the device within this invocation's time budget (at byte ${position}); the link is too slow to make progress`,
          { deviceId },
        );
      }
      log.info('transfer continues in the next invocation', { deviceId, key: request.key, nextOffset: position, partsDone, invocations });
      return {
        status: 'continue',
        continuation: {
          status: 'continue',
          bucket: request.bucket,
          key: request.key,
          uploadId: uploadId!,
          contentType: artifact.contentType,
          partSize,
          partsDone,
          nextOffset: position,
          expectedSize: expectedSize ?? null,
          ...(prior?.version ?? artifact.version ? { version: (prior?.version ?? artifact.version)! } : {}),
          sha256: sha256.save(),
          ...(checksum && algorithm ? { checksum: { algorithm, state: checksum.saveState() } } : {}),
          invocations,
          bytesRead,
          startedAt: startedAtIso,
        },
      };
    }

    const wrongSize = checkFinalSize(deviceId, expectedSize, position);
    if (wrongSize) throw wrongSize;
    const earlier = partsBefore > 0 ? checkEarlierParts(await listStoredParts(target, uploadId!), partsBefore, partSize, deviceId, where) : [];
    const all = [...earlier, ...parts.sort((a, b) => a.PartNumber - b.PartNumber)];
    const stored = await completeUpload(target, uploadId!, all, algorithm);
    uploadId = undefined; // stored: nothing left to abort
    return complete(stored, position);

    function complete(stored: { VersionId?: string | undefined; ChecksumCRC64NVME?: string | undefined; ChecksumCRC32C?: string | undefined; ChecksumType?: string | undefined }, size: number): ResumableTransferResult {
      uploadId = undefined;
      const confirmed = algorithm ? confirmChecksum(algorithm, checksum!.digestBase64(), stored, { bucket: request.bucket, key: request.key, deviceId, log }) : undefined;
      return {
        status: 'complete',
        object: { size, sha256: sha256.digestHex(), ...(stored.VersionId ? { versionId: stored.VersionId } : {}), ...(confirmed ? { checksum: confirmed } : {}) },
        invocations: (carried?.invocations ?? 0) + 1,
        bytesRead: (carried?.bytesRead ?? 0) + source.bytesRead,
        startedAt: startedAtIso,
      };
    }
  } catch (error) {
    source.release();
    // Parts still uploading could outlive an abort sent before them; they fail on their own.
    await Promise.all(inFlight);
    const failure = describeFailure(error, deviceId, position);
    // A dropped connection in a continued transfer keeps the upload: the state machine retries
    // DeviceUnreachable with the same continuation, which still describes stored parts (parts sent
    // since are sent again, with the same numbers and bytes). Anything else is final: abort.
    const resumable = prior !== undefined && failure instanceof DeviceUnreachable;
    if (uploadId && !resumable) await abortUpload(target, uploadId, log);
    throw failure;
  } finally {
    source.release();
  }
}

function fieldsOf(request: ResumableTransferRequest): { metadata?: Record<string, string>; tags?: Record<string, string> } {
  return { ...(request.metadata ? { metadata: request.metadata } : {}), ...(request.tags ? { tags: request.tags } : {}) };
}

/**
 * The hashes at the point the body continues from: fresh; carried over (Range honoured); or
 * recomputed over the re-sent prefix, which must give the carried state again, else the file
 * changed between invocations.
 */
async function startHashes(
  prior: TransferContinuation | undefined,
  artifact: ResumableTransferRequest['artifact'],
  algorithm: FullObjectChecksumAlgorithm | undefined,
  source: ChunkSource,
  request: ResumableTransferRequest,
  where: string,
): Promise<{ sha256: TransferSha256; checksum: RunningChecksum | undefined }> {
  const { deviceId } = request;
  if (!prior) {
    return { sha256: new TransferSha256(request.restartOf ? { resumableOnly: true } : { bothUntilDecided: true }), checksum: algorithm ? createRunningChecksum(algorithm) : undefined };
  }
  const plan = planResume(prior, artifact);
  if (plan.kind === 'changed') {
    throw new IntegrityError(`the backup file changed between invocations of its transfer to ${where}: ${plan.reason}; the upload is aborted, nothing is stored`, { deviceId });
  }
  if (plan.kind === 'protocol') throw new DeviceProtocolError(plan.reason, { deviceId });
  if (plan.kind === 'range') {
    return { sha256: new TransferSha256({ state: prior.sha256 }), checksum: prior.checksum ? createRunningChecksum(prior.checksum.algorithm, prior.checksum.state) : undefined };
  }
  const sha256 = new TransferSha256({ resumableOnly: true });
  const checksum = algorithm ? createRunningChecksum(algorithm) : undefined;
  const skipped = await source.skip(plan.bytes, (chunk) => {
    sha256.update(chunk);
    checksum?.update(chunk);
  });
  if (skipped === 'timeout') {
    throw new OperationTimedOut(`the device sends the file from its start (no Range support), and re-reading the ${plan.bytes} bytes already stored did not finish within this invocation's time budget`, { deviceId });
  }
  if (skipped < plan.bytes) {
    throw new IntegrityError(`the backup file changed between invocations of its transfer to ${where}: it ended after ${skipped} bytes, ${plan.bytes} were stored already; the upload is aborted, nothing is stored`, { deviceId });
  }
  const sameSha = JSON.stringify(sha256.save()) === JSON.stringify(prior.sha256);
  const sameCrc = !prior.checksum || checksum?.saveState() === prior.checksum.state;
  if (!sameSha || !sameCrc) {
    throw new IntegrityError(`the backup file changed between invocations of its transfer to ${where}: its first ${plan.bytes} bytes hash differently now; the upload is aborted, nothing is stored`, { deviceId });
  }
  return { sha256, checksum };
}

/**
 * Pulls chunks from a stream until an optional deadline, keeping the unread rest of a chunk.
 * It reads in paused mode (`read()` on 'readable') with one deadline timer for the whole
 * invocation: an async iterator raced against a timer per chunk allocated ~180 MB of short-lived
 * promises and timers per GiB, which kept V8's young generation growing (see BENCHMARKS.md).
 */
class ChunkSource {
  #leftover: Buffer | undefined;
  #ended = false;
  #failure: Error | undefined;
  #timedOut = false;
  #timer: NodeJS.Timeout | undefined;
  /** Resolves the read that waits for data, an end, a failure or the deadline. */
  #wake: (() => void) | undefined;
  bytesRead = 0;

  constructor(
    private readonly body: Readable,
    private readonly deadlineMs: number | undefined,
    private readonly now: () => number,
  ) {
    const wake = () => {
      const waiting = this.#wake;
      this.#wake = undefined;
      waiting?.();
    };
    body.on('readable', wake);
    // finished() reports an end, an error, or a close before the end (ERR_STREAM_PREMATURE_CLOSE).
    finished(body, (error) => {
      if (error) this.#failure ??= error;
      else this.#ended = true;
      wake();
    });
    if (deadlineMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        wake();
      }, Math.max(0, deadlineMs - now()));
    }
  }

  /** The next chunk, null at the end, 'timeout' if the deadline passes before data comes. */
  async next(): Promise<Buffer | null | 'timeout'> {
    if (this.#leftover) {
      const chunk = this.#leftover;
      this.#leftover = undefined;
      return chunk;
    }
    for (;;) {
      if (this.#failure) throw this.#failure;
      const chunk = this.body.read() as Buffer | null;
      if (chunk !== null) {
        this.bytesRead += chunk.length;
        return chunk;
      }
      if (this.#ended || this.body.readableEnded) return null;
      if (this.#timedOut || (this.deadlineMs !== undefined && this.now() >= this.deadlineMs)) return 'timeout';
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Fills `buffer` (a whole part) unless the stream ends or the deadline passes first. */
  async fill(buffer: Buffer): Promise<{ filled: number; ended: boolean; timedOut: boolean }> {
    let filled = 0;
    while (filled < buffer.length) {
      const chunk = await this.next();
      if (chunk === 'timeout') return { filled, ended: false, timedOut: true };
      if (chunk === null) return { filled, ended: true, timedOut: false };
      const take = Math.min(buffer.length - filled, chunk.length);
      chunk.copy(buffer, filled, 0, take);
      filled += take;
      if (take < chunk.length) this.#leftover = chunk.subarray(take);
    }
    return { filled, ended: false, timedOut: false };
  }

  /** Reads and hands over `bytes` bytes; returns how many came before the end, or 'timeout'. */
  async skip(bytes: number, use: (chunk: Buffer) => void): Promise<number | 'timeout'> {
    let done = 0;
    while (done < bytes) {
      const chunk = await this.next();
      if (chunk === 'timeout') return 'timeout';
      if (chunk === null) return done;
      const take = Math.min(bytes - done, chunk.length);
      use(chunk.subarray(0, take));
      done += take;
      if (take < chunk.length) this.#leftover = chunk.subarray(take);
    }
    return done;
  }

  /** Stops the deadline timer and lets the device connection go. */
  release(): void {
    clearTimeout(this.#timer);
    if (!this.body.destroyed) this.body.destroy();
  }
}

function resolveSizes(request: ResumableTransferRequest): { partSize: number; queueSize: number } {
  const queueSize = request.queueSize ?? DEFAULT_QUEUE_SIZE;
  try {
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) throw new RangeError(`queueSize ${queueSize} must be a whole number, 1 or more`);
    if (request.continuation) return { partSize: request.continuation.partSize, queueSize };
    const size = request.artifact.size;
    const partSize = request.partSize === undefined ? choosePartSize(size) : checkPartSize(request.partSize, size);
    return { partSize, queueSize };
  } catch (error) {
    request.artifact.body.destroy();
    const message = error instanceof Error ? error.message : String(error);
    throw new BackupRunnerError(`cannot upload s3://${request.bucket}/${request.key}: ${message}`, { deviceId: request.deviceId, cause: error });
  }
}

/** A source that closed without ending or erroring is a dropped connection: retry later. */
function describeFailure(error: unknown, deviceId: string, bytes: number): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new DeviceUnreachable(`the backup stream closed before its end after ${bytes} bytes`, { deviceId, cause: error });
  }
  return error;
}
