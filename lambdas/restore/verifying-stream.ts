import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { IntegrityError } from '../common/errors';

/**
 * A pass-through that hashes and counts what flows to the device and checks it against the
 * manifest at the end. It holds back the newest chunk until the next one arrives, and lets the
 * last one go only when size and SHA-256 match: a wrong object therefore never reaches the device
 * whole (its upload ends short and the device discards it), and the stream fails with an
 * IntegrityError. Memory: one chunk beyond the streams' buffers.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private held: Buffer | undefined;
  /** Set when the check failed; the stream was destroyed with it. */
  problem: IntegrityError | undefined;
  /** True once every byte went through and matched. */
  verified = false;

  constructor(private readonly expected: { size: number; sha256: string; deviceId: string; what: string }) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.expected.size) return callback(this.fail(`more than the ${this.expected.size} bytes the manifest records`));
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.hash.digest('hex');
    const problems: string[] = [];
    if (this.bytes !== this.expected.size) problems.push(`${this.bytes} bytes read, the manifest records ${this.expected.size}`);
    if (sha256 !== this.expected.sha256) problems.push(`SHA-256 ${sha256}, the manifest records ${this.expected.sha256}`);
    if (problems.length) return callback(this.fail(problems.join('; ')));
    this.verified = true;
    callback(null, this.held);
  }

  private fail(problem: string): IntegrityError {
    this.problem = new IntegrityError(`${this.expected.what} does not match its manifest: ${problem}; the device did not get it whole, nothing was restored`, {
      deviceId: this.expected.deviceId,
    });
    return this.problem;
  }
}
