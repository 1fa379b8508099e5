import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { RunningChecksum } from './full-object-checksum';
import { checkFinalSize, checkRunningSize } from './size-check';

/**
 * A pass-through that counts and SHA-256-hashes the bytes on their way to S3, and fails the
 * stream when the size disagrees with what the device announced. The short-stream check runs
 * in flush(), before the stream ends: lib-storage reads the stream to its end before it sends the
 * last part, so it sees the error and aborts instead of completing the upload.
 */
export class CountingHash extends Transform {
  #bytes = 0;
  readonly #hash = createHash('sha256');
  #sha256: string | undefined;
  readonly #deviceId: string;
  readonly #expectedSize: number | undefined;
  readonly #checksum: RunningChecksum | undefined;
  #checksumValue: string | undefined;

  /** `checksum`, when given, is fed the same bytes (one pass over each chunk for both digests). */
  constructor(options: { deviceId: string; expectedSize: number | undefined; checksum?: RunningChecksum }) {
    super();
    this.#deviceId = options.deviceId;
    this.#expectedSize = options.expectedSize;
    this.#checksum = options.checksum;
  }

  /** Bytes that went through so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lowercase hex SHA-256 of the whole stream; only once it has ended with the right size. */
  get sha256(): string {
    if (this.#sha256 === undefined) throw new Error('CountingHash: the SHA-256 is known only after the stream has ended');
    return this.#sha256;
  }

  /** Base64 full-object checksum of the whole stream, when one was asked for; only once it has ended. */
  get checksum(): string | undefined {
    if (this.#checksum && this.#checksumValue === undefined) {
      throw new Error('CountingHash: the checksum is known only after the stream has ended');
    }
    return this.#checksumValue;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    const tooMany = checkRunningSize(this.#deviceId, this.#expectedSize, this.#bytes);
    if (tooMany) {
      callback(tooMany);
      return;
    }
    this.#hash.update(chunk);
    this.#checksum?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const wrongSize = checkFinalSize(this.#deviceId, this.#expectedSize, this.#bytes);
    if (wrongSize) {
      callback(wrongSize);
      return;
    }
    this.#sha256 = this.#hash.digest('hex');
    this.#checksumValue = this.#checksum?.digestBase64();
    callback();
  }
}
