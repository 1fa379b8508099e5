import { IntegrityError } from '../common/errors';

/**
 * Size decisions for a transfer, kept pure so they can be tested as tables. Both return the
 * error to raise, or undefined when the count is acceptable.
 */

/** While bytes flow: more than the device announced is wrong as soon as the count passes it. */
export function checkRunningSize(deviceId: string, expectedSize: number | undefined, bytesSoFar: number): IntegrityError | undefined {
  if (expectedSize === undefined || bytesSoFar <= expectedSize) return undefined;
  return new IntegrityError(`the backup stream has more bytes than the ${expectedSize} the device announced (at least ${bytesSoFar} received); nothing was stored`, {
    deviceId,
  });
}

/**
 * At the end of the stream: anything but the announced size is wrong, and an empty backup is
 * never a backup, whether the device announced 0 bytes, no size at all, or ended at once.
 */
export function checkFinalSize(deviceId: string, expectedSize: number | undefined, totalBytes: number): IntegrityError | undefined {
  if (totalBytes === 0 && !expectedSize) {
    return new IntegrityError(`the device sent an empty backup (0 bytes, ${expectedSize === 0 ? 'as it announced' : 'and it announced no size'}); nothing was stored`, { deviceId });
  }
  if (expectedSize === undefined || totalBytes === expectedSize) return undefined;
  const how = totalBytes < expectedSize ? 'ended early' : 'is too long';
  return new IntegrityError(`the backup stream ${how}: expected ${expectedSize} bytes, received ${totalBytes}; nothing was stored`, { deviceId });
}

/** The device's newest good (non-empty, stored whole) archived backup before this run. */
export interface PreviousGoodBackup {
  key: string;
  size: number;
}

/**
 * A backup far smaller than the device's previous good one is a failed run unless the device's
 * config allows it: `minSizeRatio` (0-1, 0 turns the check off) is the smallest share of the
 * previous size accepted. A device that cut its download short without announcing a size would
 * otherwise leave a "good" stump that retention counts. Pure.
 */
export function checkAgainstPrevious(deviceId: string, size: number, previous: PreviousGoodBackup | undefined, minSizeRatio: number): IntegrityError | undefined {
  if (!previous || minSizeRatio <= 0 || size >= previous.size * minSizeRatio) return undefined;
  const percent = (size / previous.size) * 100;
  return new IntegrityError(
    `the backup has ${size} bytes, ${percent < 1 ? percent.toFixed(2) : percent.toFixed(0)}% of the previous good backup's ${previous.size} bytes (${previous.key}), ` +
      `below the ${Math.round(minSizeRatio * 100)}% accepted; not committed. If the device's backups really are this much smaller now, ` +
      `allow it with devices[].minSizeRatio (e.g. 0.05; 0 turns the check off)`,
    { deviceId },
  );
}
