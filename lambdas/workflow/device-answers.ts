import { DeviceProtocolError } from '../common/errors';
import { untrustedText } from '../common/untrusted-text';

/**
 * What a driver hands the workflow from the device's answers, made fit for the execution history
 * (which keeps every state for 90 days, and the state machine log longer). The device's words
 * (status messages, failure reasons) are cut and cleaned; the ids and paths of a handle, which
 * later requests need verbatim, are refused when they cannot be real.
 */

/** A progress (backup or restore) with its `detail` and `reason` (the device's words) made untrustedText. */
export function boundedProgress<P extends { readonly state: string; readonly detail?: string; readonly reason?: string }>(progress: P): P {
  return {
    ...progress,
    ...(progress.detail !== undefined ? { detail: untrustedText(progress.detail) } : {}),
    ...(progress.reason !== undefined ? { reason: untrustedText(progress.reason) } : {}),
  };
}

/** Longest id or path a handle may carry; S3 keys and POSIX paths stay well below it. */
export const MAX_HANDLE_STRING_CHARS = 1024;

/**
 * The handle as it is, once every string in it is shown to be an id or a path: at most 1024
 * characters and free of control characters. Anything else is a DeviceProtocolError that names the
 * field, not its content: truncating an id would only make the next request fail more obscurely.
 */
export function checkedHandle<H extends Readonly<Record<string, string | number | boolean | null>>>(handle: H, deviceId: string): H {
  for (const [field, value] of Object.entries(handle)) {
    if (typeof value !== 'string') continue;
    if (value.length > MAX_HANDLE_STRING_CHARS) {
      throw new DeviceProtocolError(`the device's answer gives a ${value.length}-character "${field}" (at most ${MAX_HANDLE_STRING_CHARS} accepted for an id or a path)`, { deviceId });
    }
    if (untrustedText(value, { maxChars: MAX_HANDLE_STRING_CHARS }) !== value) {
      throw new DeviceProtocolError(`the device's answer gives a "${field}" with control characters (${JSON.stringify(untrustedText(value, { maxChars: 80 }))})`, { deviceId });
    }
  }
  return handle;
}
