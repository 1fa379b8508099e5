import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRunningChecksum, FULL_OBJECT_CHECKSUM_ALGORITHMS } from '../../../lambdas/transfer/full-object-checksum';
import { ResumableSha256 } from '../../../lambdas/transfer/resumable/sha256';

const data = randomBytes(300_001);
const nodeSha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('ResumableSha256', () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 300_001])('matches node:crypto for %i bytes', (length) => {
    const bytes = data.subarray(0, length);
    expect(new ResumableSha256().update(bytes).digestHex()).toBe(nodeSha(bytes));
  });

  it('gives the FIPS 180-4 value for "abc"', () => {
    expect(new ResumableSha256().update(Buffer.from('abc')).digestHex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([1, 7, 64, 1000, 65_537])('matches whatever the chunking (%i-byte chunks)', (chunk) => {
    const hash = new ResumableSha256();
    for (let i = 0; i < data.length; i += chunk) hash.update(data.subarray(i, i + chunk));
    expect(hash.digestHex()).toBe(nodeSha(data));
  });

  it('resumes from a saved state through JSON, at block and non-block boundaries', () => {
    for (const cut of [0, 3, 64, 1000, 4097, data.length]) {
      const first = new ResumableSha256().update(data.subarray(0, cut));
      const saved = JSON.parse(JSON.stringify(first.save()));
      expect(saved.length).toBe(cut);
      const resumed = new ResumableSha256(saved).update(data.subarray(cut));
      expect(resumed.digestHex()).toBe(nodeSha(data));
    }
  });

  it('equal prefixes give equal states, different ones differ', () => {
    const a = new ResumableSha256().update(data.subarray(0, 5000)).save();
    const b = new ResumableSha256().update(data.subarray(0, 2000)).update(data.subarray(2000, 5000)).save();
    const changed = Buffer.from(data.subarray(0, 5000));
    changed[17]! ^= 1;
    expect(b).toEqual(a);
    expect(new ResumableSha256().update(changed).save()).not.toEqual(a);
  });

  it.each([
    ['seven words', { h: [1, 2, 3, 4, 5, 6, 7], length: 0, pending: '' }],
    ['length disagrees with pending', { h: [0, 0, 0, 0, 0, 0, 0, 0], length: 3, pending: '' }],
    ['a word out of range', { h: [2 ** 32, 0, 0, 0, 0, 0, 0, 0], length: 0, pending: '' }],
  ])('refuses a state with %s', (_name, state) => {
    expect(() => new ResumableSha256(state)).toThrow(/not a saved SHA-256 state/);
  });
});

describe('full-object checksum state', () => {
  it.each(FULL_OBJECT_CHECKSUM_ALGORITHMS)('%s resumes from its saved register', (algorithm) => {
    const whole = createRunningChecksum(algorithm);
    whole.update(data);
    const first = createRunningChecksum(algorithm);
    first.update(data.subarray(0, 12_345));
    const resumed = createRunningChecksum(algorithm, first.saveState());
    resumed.update(data.subarray(12_345));
    expect(resumed.digestBase64()).toBe(whole.digestBase64());
  });

  it('refuses a register of the wrong width', () => {
    expect(() => createRunningChecksum('CRC64NVME', 'abcd')).toThrow(/16 lowercase hex digits/);
    expect(() => createRunningChecksum('CRC32C', 'xyz12345')).toThrow(/8 lowercase hex digits/);
  });
});
