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

/** At the end of the stream: anything but the announced size is wrong. */
export function checkFinalSize(deviceId: string, expectedSize: number | undefined, totalBytes: number): IntegrityError | undefined {
  if (expectedSize === undefined || totalBytes === expectedSize) return undefined;
  const how = totalBytes < expectedSize ? 'ended early' : 'is too long';
  return new IntegrityError(`the backup stream ${how}: expected ${expectedSize} bytes, received ${totalBytes}; nothing was stored`, { deviceId });
}
