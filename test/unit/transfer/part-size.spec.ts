import { describe, expect, it } from 'vitest';
import {
  GiB,
  MiB,
  S3_MAX_PARTS,
  TiB,
  UNKNOWN_SIZE_PART_SIZE,
  checkPartSize,
  choosePartSize,
  maxObjectSize,
} from '../../../lambdas/transfer/part-size';

describe('choosePartSize', () => {
  it.each([
    { expectedSize: 0, partSize: 8 * MiB },
    { expectedSize: 1, partSize: 8 * MiB },
    { expectedSize: 64 * MiB, partSize: 8 * MiB },
    { expectedSize: 8 * MiB * S3_MAX_PARTS, partSize: 8 * MiB },
    { expectedSize: 8 * MiB * S3_MAX_PARTS + 1, partSize: 9 * MiB },
    { expectedSize: 100 * GiB, partSize: 11 * MiB },
    { expectedSize: 1 * TiB, partSize: 105 * MiB },
    { expectedSize: 5 * TiB, partSize: 525 * MiB },
    { expectedSize: undefined, partSize: 64 * MiB },
  ])('$expectedSize bytes -> $partSize', ({ expectedSize, partSize }) => {
    expect(choosePartSize(expectedSize)).toBe(partSize);
  });

  it.each([1, 1000, 64 * MiB + 3, 80 * GiB, 777 * GiB + 12_345, 2 * TiB - 1, 5 * TiB])(
    'keeps %d bytes within 10,000 parts of at least 8 MiB, in whole MiB',
    (size) => {
      const partSize = choosePartSize(size);
      expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(S3_MAX_PARTS);
      expect(partSize).toBeGreaterThanOrEqual(8 * MiB);
      expect(partSize % MiB).toBe(0);
    },
  );

  it('caps objects of unknown size at 625 GiB', () => {
    expect(maxObjectSize(UNKNOWN_SIZE_PART_SIZE)).toBe(625 * GiB);
  });

  it.each([
    { size: -1, message: /not a byte count/ },
    { size: 1.5, message: /not a byte count/ },
    { size: Number.NaN, message: /not a byte count/ },
    { size: 5 * TiB + 1, message: /exceeds S3's largest object, 5 TiB/ },
  ])('rejects $size', ({ size, message }) => {
    expect(() => choosePartSize(size)).toThrow(RangeError);
    expect(() => choosePartSize(size)).toThrow(message);
  });
});

describe('checkPartSize', () => {
  it.each([
    { partSize: 5 * MiB, expectedSize: undefined },
    { partSize: 5 * MiB, expectedSize: 5 * MiB * S3_MAX_PARTS },
    { partSize: 5 * GiB, expectedSize: 5 * TiB },
  ])('accepts $partSize for $expectedSize', ({ partSize, expectedSize }) => {
    expect(checkPartSize(partSize, expectedSize)).toBe(partSize);
  });

  it.each([
    { partSize: 5 * MiB - 1, expectedSize: undefined, message: /from 5242880 \(5 MiB\) to 5368709120 \(5 GiB\)/ },
    { partSize: 5 * GiB + 1, expectedSize: undefined, message: /5 GiB/ },
    { partSize: 6.5 * MiB + 0.5, expectedSize: undefined, message: /whole number/ },
    { partSize: 5 * MiB, expectedSize: 5 * MiB * S3_MAX_PARTS + 1, message: /too small .* use at least 8388608/ },
    { partSize: 8 * MiB, expectedSize: -3, message: /not a byte count/ },
  ])('rejects $partSize for $expectedSize', ({ partSize, expectedSize, message }) => {
    expect(() => checkPartSize(partSize, expectedSize)).toThrow(message);
  });
});
