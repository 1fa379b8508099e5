/**
 * Part sizes for S3 multipart uploads. lib-storage keeps about (queueSize + 1) x partSize in
 * memory whatever the object size, so the part size is the memory knob; S3 allows at most
 * 10,000 parts of 5 MiB to 5 GiB, and objects up to 5 TiB.
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** S3's limits for multipart uploads. */
export const S3_MAX_PARTS = 10_000;
export const S3_MIN_PART_SIZE = 5 * MiB;
export const S3_MAX_PART_SIZE = 5 * GiB;
export const S3_MAX_OBJECT_SIZE = 5 * TiB;

/** Our floor: fewer, larger requests than S3's 5 MiB minimum, still small enough for a 512 MB Lambda. */
export const MIN_PART_SIZE = 8 * MiB;

/**
 * Part size when the device does not announce a size. It caps such an object at
 * 10,000 x 64 MiB = 625 GiB, and with the default queue of 4 it holds about 5 x 64 MiB = 320 MiB.
 */
export const UNKNOWN_SIZE_PART_SIZE = 64 * MiB;

/**
 * The part size for an object of `expectedSize` bytes: at least 8 MiB, a whole number of MiB,
 * and large enough that the object fits in 10,000 parts (up to S3's 5 TiB maximum).
 * Throws RangeError for sizes S3 cannot store or that are not byte counts.
 */
export function choosePartSize(expectedSize: number | undefined): number {
  if (expectedSize === undefined) return UNKNOWN_SIZE_PART_SIZE;
  assertObjectSize(expectedSize);
  const smallestFitting = Math.ceil(expectedSize / S3_MAX_PARTS);
  return Math.max(MIN_PART_SIZE, Math.ceil(smallestFitting / MiB) * MiB);
}

/**
 * Checks a caller's part size against S3's limits and the expected size; returns it unchanged.
 * Throws RangeError naming the value and the allowed range.
 */
export function checkPartSize(partSize: number, expectedSize: number | undefined): number {
  if (!Number.isSafeInteger(partSize) || partSize < S3_MIN_PART_SIZE || partSize > S3_MAX_PART_SIZE) {
    throw new RangeError(`partSize ${partSize} must be a whole number of bytes from ${S3_MIN_PART_SIZE} (5 MiB) to ${S3_MAX_PART_SIZE} (5 GiB)`);
  }
  if (expectedSize !== undefined) {
    assertObjectSize(expectedSize);
    if (partSize * S3_MAX_PARTS < expectedSize) {
      throw new RangeError(
        `partSize ${partSize} is too small for ${expectedSize} bytes: S3 allows ${S3_MAX_PARTS} parts, so use at least ${choosePartSize(expectedSize)} or leave partSize unset`,
      );
    }
  }
  return partSize;
}

/** The largest object a part size can carry. */
export function maxObjectSize(partSize: number): number {
  return Math.min(partSize * S3_MAX_PARTS, S3_MAX_OBJECT_SIZE);
}

function assertObjectSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`expected size ${size} is not a byte count (a whole number, 0 or more)`);
  }
  if (size > S3_MAX_OBJECT_SIZE) {
    throw new RangeError(`expected size ${size} bytes exceeds S3's largest object, 5 TiB (${S3_MAX_OBJECT_SIZE} bytes)`);
  }
}
