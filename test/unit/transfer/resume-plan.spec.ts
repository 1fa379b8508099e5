import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { interpretRangeAnswer, rangeRequestHeaders } from '../../../lambdas/drivers/riverbed-common/resumed-download';
import { chooseHashing, planResume, shouldStopAtBoundary, transferDeadline, type TransferContinuation } from '../../../lambdas/transfer/resumable/continuation';
import { ResumableSha256 } from '../../../lambdas/transfer/resumable/sha256';
import { TransferSha256 } from '../../../lambdas/transfer/resumable/transfer-sha256';

const continuation: TransferContinuation = {
  status: 'continue',
  bucket: 'b',
  key: 'k',
  uploadId: 'u',
  contentType: 'application/x-gzip',
  partSize: 100,
  partsDone: 3,
  nextOffset: 300,
  expectedSize: 1000,
  version: '"v1"',
  sha256: { h: [0, 0, 0, 0, 0, 0, 0, 0], length: 300, pending: Buffer.alloc(300 % 64).toString('base64') },
  invocations: 1,
  bytesRead: 300,
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('planResume', () => {
  it.each([
    ['Range honoured', { size: 1000, offset: 300, version: '"v1"' }, { kind: 'range' }],
    ['whole file sent (no Range support)', { size: 1000, version: '"v1"' }, { kind: 'skip', bytes: 300 }],
    ['whole file sent, no validator', { size: 1000 }, { kind: 'skip', bytes: 300 }],
    ['other size', { size: 999, offset: 300 }, { kind: 'changed' }],
    ['size now unknown', { size: undefined }, { kind: 'changed' }],
    ['other validator', { size: 1000, offset: 0, version: '"v2"' }, { kind: 'changed' }],
    ['body from another offset', { size: 1000, offset: 200 }, { kind: 'protocol' }],
  ])('%s', (_name, artifact, expected) => {
    expect(planResume(continuation, artifact)).toMatchObject(expected);
  });
});

describe('transferDeadline and shouldStopAtBoundary', () => {
  it('takes the Lambda remaining time minus the margin, or the forced budget, whichever is sooner', () => {
    expect(transferDeadline({ nowMs: 1000, remainingMs: 900_000, marginMs: 90_000 })).toBe(1000 + 810_000);
    expect(transferDeadline({ nowMs: 1000, remainingMs: 900_000, budgetSeconds: 2, marginMs: 90_000 })).toBe(3000);
    expect(transferDeadline({ nowMs: 1000, budgetSeconds: 2, marginMs: 90_000 })).toBe(3000);
    expect(transferDeadline({ nowMs: 1000, remainingMs: 10_000, marginMs: 90_000 })).toBe(1000);
    expect(transferDeadline({ nowMs: 1000, marginMs: 90_000 })).toBeUndefined();
  });

  it.each([
    [{ nowMs: 0, deadlineMs: undefined, partMs: 1e9 }, false],
    [{ nowMs: 0, deadlineMs: 1000, partMs: 600 }, false],
    [{ nowMs: 0, deadlineMs: 1000, partMs: 700 }, true],
    [{ nowMs: 1001, deadlineMs: 1000, partMs: 0 }, true],
  ])('%o -> stop %s', (input, stop) => {
    expect(shouldStopAtBoundary(input)).toBe(stop);
  });
});

describe('HTTP Range for resumed downloads', () => {
  it('asks for the rest of the file, with If-Range when a validator is known', () => {
    expect(rangeRequestHeaders(undefined)).toEqual({});
    expect(rangeRequestHeaders({ offset: 0 })).toEqual({});
    expect(rangeRequestHeaders({ offset: 42 })).toEqual({ Range: 'bytes=42-' });
    expect(rangeRequestHeaders({ offset: 42, version: '"e"' })).toEqual({ Range: 'bytes=42-', 'If-Range': '"e"' });
  });

  it.each([
    ['200: Range ignored', 300, 200, undefined, '1000', { ok: true, offset: 0, total: 1000 }],
    ['206 for the rest', 300, 206, 'bytes 300-999/1000', '700', { ok: true, offset: 300, total: 1000 }],
    ['206 without Content-Length', 300, 206, 'bytes 300-999/1000', undefined, { ok: true, offset: 300, total: 1000 }],
    ['206 from elsewhere', 300, 206, 'bytes 200-999/1000', '800', { ok: false }],
    ['206 not to the end', 300, 206, 'bytes 300-499/1000', '200', { ok: false }],
    ['206 unreadable', 300, 206, 'bytes */1000', undefined, { ok: false }],
    ['206 length disagrees', 300, 206, 'bytes 300-999/1000', '10', { ok: false }],
    ['206 without asking', 0, 206, 'bytes 0-999/1000', '1000', { ok: false }],
  ])('%s', (_name, offset, status, contentRange, contentLength, expected) => {
    expect(interpretRangeAnswer(offset, status, contentRange, contentLength)).toMatchObject(expected);
  });
});

describe('chooseHashing', () => {
  it.each([
    ['no deadline', { nowMs: 0, deadlineMs: undefined, remainingBytes: 1e12, bytesPerMs: 1 }, 'fast'],
    ['unknown size', { nowMs: 0, deadlineMs: 1e9, remainingBytes: undefined, bytesPerMs: 1e6 }, 'resumable'],
    ['rest arrives in under half the time left', { nowMs: 0, deadlineMs: 1000, remainingBytes: 499, bytesPerMs: 1 }, 'fast'],
    ['rest needs more than half the time left', { nowMs: 0, deadlineMs: 1000, remainingBytes: 500, bytesPerMs: 1 }, 'resumable'],
    ['no rate measured', { nowMs: 0, deadlineMs: 1000, remainingBytes: 1, bytesPerMs: 0 }, 'resumable'],
  ])('%s', (_name, input, engine) => {
    expect(chooseHashing(input)).toBe(engine);
  });
});

describe('TransferSha256', () => {
  const bytes = Buffer.from('appliance backup bytes '.repeat(100));
  const expected = createHash('sha256').update(bytes).digest('hex');

  it.each(['fast', 'resumable'] as const)('gives the same digest when it keeps only the %s engine', (engine) => {
    const sha = new TransferSha256({ bothUntilDecided: true });
    sha.update(bytes.subarray(0, 100));
    sha.keepOnly(engine);
    sha.update(bytes.subarray(100));
    expect(sha.resumable).toBe(engine === 'resumable');
    expect(sha.digestHex()).toBe(expected);
  });

  it('runs only node:crypto until the choice, then the resumable engine reads the first chunks (several, saved undecided too)', () => {
    const update = vi.spyOn(ResumableSha256.prototype, 'update');
    try {
      const sha = new TransferSha256({ bothUntilDecided: true });
      sha.update(bytes.subarray(0, 100));
      sha.update(bytes.subarray(100, 300));
      expect(update).not.toHaveBeenCalled();
      expect(sha.undecided).toBe(true);
      // A save while undecided already holds both chunks.
      const saved = sha.save();
      expect(saved.length).toBe(300);
      sha.keepOnly('resumable');
      sha.update(bytes.subarray(300));
      expect(sha.digestHex()).toBe(expected);
      const resumed = new TransferSha256({ state: saved });
      resumed.update(bytes.subarray(300));
      expect(resumed.digestHex()).toBe(expected);

      update.mockClear();
      const fast = new TransferSha256({ bothUntilDecided: true });
      fast.update(bytes);
      fast.keepOnly('fast');
      expect(update).not.toHaveBeenCalled();
      expect(fast.digestHex()).toBe(expected);
    } finally {
      update.mockRestore();
    }
  });

  it('saves and resumes; the fast engine has no state to save', () => {
    const first = new TransferSha256({ resumableOnly: true });
    first.update(bytes.subarray(0, 777));
    const resumed = new TransferSha256({ state: JSON.parse(JSON.stringify(first.save())) });
    resumed.update(bytes.subarray(777));
    expect(resumed.length).toBe(bytes.length);
    expect(resumed.digestHex()).toBe(expected);
    const fast = new TransferSha256({ bothUntilDecided: true });
    fast.keepOnly('fast');
    expect(() => fast.save()).toThrow(/no state to save/);
  });
});
