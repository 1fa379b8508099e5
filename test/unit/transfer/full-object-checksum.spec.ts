import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRunningChecksum, FULL_OBJECT_CHECKSUM_ALGORITHMS } from '../../../lambdas/transfer/full-object-checksum';

const hexOf = (base64: string) => Buffer.from(base64, 'base64').toString('hex');
const digest = (algorithm: (typeof FULL_OBJECT_CHECKSUM_ALGORITHMS)[number], ...chunks: Buffer[]) => {
  const running = createRunningChecksum(algorithm);
  chunks.forEach((c) => running.update(c));
  return running.digestBase64();
};

describe('full-object checksums', () => {
  // The catalogue check values (reveng CRC catalogue: CRC-64/NVME, CRC-32/ISCSI) of "123456789".
  it.each([
    ['CRC64NVME', 'ae8b14860a799888'],
    ['CRC32C', 'e3069283'],
  ] as const)('%s of "123456789" is the published check value %s', (algorithm, hex) => {
    expect(hexOf(digest(algorithm, Buffer.from('123456789')))).toBe(hex);
  });

  it.each([
    ['CRC64NVME', '0000000000000000'],
    ['CRC32C', '00000000'],
  ] as const)('%s of nothing is %s', (algorithm, hex) => {
    expect(hexOf(digest(algorithm))).toBe(hex);
  });

  it('CRC32C of 32 zero bytes is the RFC 3720 test vector 8a9136aa', () => {
    expect(hexOf(digest('CRC32C', Buffer.alloc(32)))).toBe('8a9136aa');
  });

  it.each(FULL_OBJECT_CHECKSUM_ALGORITHMS)('%s does not depend on how the bytes are cut into chunks', (algorithm) => {
    const data = randomBytes(100_003);
    const whole = digest(algorithm, data);
    const cuts = [1, 7, 8, 9, 4096, 65_537];
    const pieces: Buffer[] = [];
    let offset = 0;
    for (let i = 0; offset < data.length; i++) {
      const length = cuts[i % cuts.length]!;
      pieces.push(data.subarray(offset, offset + length));
      offset += length;
    }
    expect(digest(algorithm, ...pieces)).toBe(whole);
    expect(digest(algorithm, data.subarray(0, 50_000), Buffer.alloc(0), data.subarray(50_000))).toBe(whole);
  });

  it.each(FULL_OBJECT_CHECKSUM_ALGORITHMS)('%s changes when one bit changes', (algorithm) => {
    const data = randomBytes(4096);
    const flipped = Buffer.from(data);
    flipped[1234]! ^= 0x10;
    expect(digest(algorithm, flipped)).not.toBe(digest(algorithm, data));
  });

  it('has the sizes S3 uses: 8 bytes for CRC64NVME, 4 for CRC32C', () => {
    expect(Buffer.from(digest('CRC64NVME', Buffer.from('x')), 'base64')).toHaveLength(8);
    expect(Buffer.from(digest('CRC32C', Buffer.from('x')), 'base64')).toHaveLength(4);
  });
});
