import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../lambdas/common/errors';
import { CountingHash } from '../../../lambdas/transfer/counting-hash';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function drain(chunks: Buffer[], expectedSize: number | undefined) {
  const counter = new CountingHash({ deviceId: 'dev-1', expectedSize });
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  const result = await pipeline(Readable.from(chunks), counter, sink).then(
    () => undefined,
    (error: unknown) => error,
  );
  return { counter, received: Buffer.concat(received), error: result };
}

describe('CountingHash', () => {
  const data = Buffer.from('the quick brown fox jumps over the lazy dog, several times over');
  const chunks = [data.subarray(0, 10), data.subarray(10, 11), data.subarray(11)];

  it('passes the bytes through and reports their count and SHA-256', async () => {
    const { counter, received, error } = await drain(chunks, data.length);
    expect(error).toBeUndefined();
    expect(received.equals(data)).toBe(true);
    expect(counter.bytes).toBe(data.length);
    expect(counter.sha256).toBe(sha256(data));
  });

  it('accepts any length when none was announced, but never nothing: an empty backup is not a backup', async () => {
    const some = await drain(chunks, undefined);
    expect(some.counter.sha256).toBe(sha256(data));
    const none = await drain([], undefined);
    expect(none.counter.bytes).toBe(0);
    expect(none.error).toBeInstanceOf(IntegrityError);
    expect((none.error as Error).message).toContain('empty backup (0 bytes, and it announced no size)');
  });

  it('fails in flush when the stream ends early, and has no SHA-256', async () => {
    const { counter, error } = await drain(chunks, data.length + 5);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`expected ${data.length + 5} bytes, received ${data.length}`);
    expect(() => counter.sha256).toThrow(/only after the stream has ended/);
  });

  it('fails on the chunk that passes the announced size and passes none of it on', async () => {
    const { received, error } = await drain(chunks, 10);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain('more bytes than the 10 the device announced (at least 11 received)');
    expect(received.length).toBe(10);
  });
});
