/**
 * Whether a restore's upload fits in one UploadToDevice invocation. The upload streams the whole
 * backup from S3 to the device in one request (a device upload cannot be continued like the
 * backup's multipart transfer), so a Lambda that runs out of time mid-upload fails the restore
 * after minutes of work. CheckCompatibility refuses such a restore up front instead and points
 * to the local command, which runs the same workflow on a machine without a time limit.
 */

/** UploadToDevice's Lambda timeout (Lambda's maximum): the restore workflow sizes the function with it. */
export const UPLOAD_TO_DEVICE_TIMEOUT_MINUTES = 15;

/** Kept back from the limit: the GetObject, a login, the device's answer after the last byte. */
export const UPLOAD_MARGIN_SECONDS = 60;

export interface UploadTimeInput {
  /** Bytes of the archived backup. */
  size: number;
  /** The device link's upload rate, devices[].restoreUpload.megabytesPerSecond (10^6 bytes a second). */
  megabytesPerSecond: number;
  /** How long one UploadToDevice invocation may run; undefined where nothing limits it (local runs). */
  limitSeconds: number | undefined;
  /** The local command that restores this backup, for the refusal. */
  localCommand: string;
}

export type UploadTimeVerdict =
  | { fits: true; note: string }
  | { fits: false; problem: string };

/** Estimated upload time against the invocation limit; the note or problem says both in minutes. */
export function judgeUploadTime(input: UploadTimeInput): UploadTimeVerdict {
  const seconds = input.size / (input.megabytesPerSecond * 1e6);
  const estimate = `about ${minutes(seconds)} for ${(input.size / 1e6).toFixed(1)} MB at ${input.megabytesPerSecond} MB/s (devices[].restoreUpload.megabytesPerSecond)`;
  if (input.limitSeconds === undefined) return { fits: true, note: `upload ${estimate}; no time limit here` };
  const usable = Math.max(0, input.limitSeconds - UPLOAD_MARGIN_SECONDS);
  if (seconds <= usable) return { fits: true, note: `upload ${estimate}: within one UploadToDevice invocation (${minutes(input.limitSeconds)})` };
  return {
    fits: false,
    problem:
      `the upload takes ${estimate}, more than one UploadToDevice Lambda invocation may run (${minutes(input.limitSeconds)}, ${UPLOAD_MARGIN_SECONDS} s kept back); ` +
      `restore it with the local command from a machine that reaches the device, which has no time limit: ${input.localCommand}`,
  };
}

function minutes(seconds: number): string {
  return seconds < 60 ? `${Math.ceil(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

/** The local CLI call that restores `key` of `deviceId` onto `targetDeviceId` (a drill when they differ). */
export function localRestoreCommand(deviceId: string, targetDeviceId: string, key: string): string {
  return deviceId === targetDeviceId
    ? `npx backup-runner restore --config <config file> --device ${deviceId} --key ${key} --confirm ${deviceId}`
    : `npx backup-runner drill --config <config file> --device ${deviceId} --target ${targetDeviceId}`;
}
