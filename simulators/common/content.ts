import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * Deterministic file content for simulated backups: the AES-256-CTR keystream under a key
 * derived from (seed, id). Why this generator:
 * - position-addressable: byte N depends only on (seed, id, N), so ranges and resumed
 *   downloads serve the same bytes as a full download, and nothing is ever held in memory;
 * - fast: AES-NI produces several GB/s, so benchmarks measure the transfer, not the generator;
 * - never repeats within a file, so a transfer that duplicates or drops a block changes the hash.
 */
export interface ContentSpec {
  seed: number;
  /** The device-side id of the file (backup id); different ids give unrelated bytes. */
  id: string;
  /** Total bytes of the file. */
  size: number;
}

const BLOCK = 16; // AES block: the CTR counter advances once per 16 bytes
const MAX_CHUNK = 1 << 20;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
const ZEROS = Buffer.alloc(MAX_CHUNK); // encrypting zeros yields the raw keystream

function contentKey(seed: number, id: string): Buffer {
  return createHash('sha256').update(`appliance-simulator-content\0${seed}\0${id}`).digest();
}

/**
 * The bytes [start, end) of a file, in chunks of at most `chunkSize` (max 1 MiB).
 * Lazy: each chunk is generated when the consumer asks for it.
 */
export function* contentChunks(spec: ContentSpec, start = 0, end = spec.size, chunkSize = DEFAULT_CHUNK_SIZE): Generator<Buffer> {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > spec.size || start > end) {
    throw new RangeError(`content range [${start}, ${end}) is outside the file ${spec.id} of ${spec.size} bytes`);
  }
  const step = Math.max(1, Math.min(Math.floor(chunkSize), MAX_CHUNK));
  const iv = Buffer.alloc(BLOCK);
  iv.writeBigUInt64BE(BigInt(Math.floor(start / BLOCK)), 8);
  const cipher = createCipheriv('aes-256-ctr', contentKey(spec.seed, spec.id), iv);
  const skip = start % BLOCK;
  if (skip > 0) cipher.update(ZEROS.subarray(0, skip)); // discard the head of the first block
  for (let position = start; position < end; ) {
    const length = Math.min(step, end - position);
    yield cipher.update(ZEROS.subarray(0, length));
    position += length;
  }
}

/** The same bytes as a Readable stream (backpressure respected: one chunk per read). */
export function contentStream(spec: ContentSpec, start = 0, end = spec.size, chunkSize = DEFAULT_CHUNK_SIZE): Readable {
  const chunks = contentChunks(spec, start, end, chunkSize);
  return new Readable({
    read() {
      const next = chunks.next();
      this.push(next.done ? null : next.value);
    },
  });
}

/** Size and SHA-256 (lower-case hex) of a whole file, computed without a server. */
export function contentDigest(spec: ContentSpec): { size: number; sha256: string } {
  const hash = createHash('sha256');
  for (const chunk of contentChunks(spec, 0, spec.size, MAX_CHUNK)) hash.update(chunk);
  return { size: spec.size, sha256: hash.digest('hex') };
}
