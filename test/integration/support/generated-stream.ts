import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const MiB = 1024 * 1024;

/**
 * A device stream of `size` pseudo-random bytes made of views into one 2 MiB pool, so the
 * generator itself allocates nothing per chunk (memory tests measure the uploader, not this).
 * `sha256()` is the digest of everything handed out; `failAfter` destroys the stream with
 * `failWith` once that many bytes were handed out.
 */
export function generatedStream(options: { size: number; chunkSize?: number; failAfter?: number; failWith?: Error }) {
  const chunkSize = options.chunkSize ?? 256 * 1024;
  const pool = randomBytes(2 * MiB);
  const hash = createHash('sha256');
  let sent = 0;
  let chunkNumber = 0;
  const stream = new Readable({
    highWaterMark: chunkSize,
    read() {
      if (options.failAfter !== undefined && sent >= options.failAfter) {
        this.destroy(options.failWith ?? new Error('connection reset'));
        return;
      }
      if (sent >= options.size) {
        this.push(null);
        return;
      }
      const length = Math.min(chunkSize, options.size - sent);
      // Offsets vary with the chunk number so parts differ and a misordered part changes the hash.
      const offset = (chunkNumber++ * 7919) % (pool.length - chunkSize);
      const chunk = pool.subarray(offset, offset + length);
      hash.update(chunk);
      sent += length;
      this.push(chunk);
    },
  });
  return Object.assign(stream, {
    sentBytes: () => sent,
    sha256: () => hash.copy().digest('hex'),
  });
}
