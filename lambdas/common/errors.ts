import { untrustedText } from './untrusted-text';

/** A typed error's message is cut here; the device texts inside it are cut at 500 where they enter (untrustedText). */
export const MAX_ERROR_MESSAGE_CHARS = 2000;

/**
 * The runner's typed errors. Each class sets `name`, and Step Functions matches that name
 * (Lambda reports it as the error type) in the workflow's Retry and Catch rules:
 * busy and unreachable are retried with back-off; authentication, TLS, integrity, protocol,
 * rejected-request, config and secret errors never are.
 *
 * Messages name the device and the problem, never a secret value.
 */
export class BackupRunnerError extends Error {
  /** The device concerned, when there is one. */
  readonly deviceId: string | undefined;

  constructor(message: string, options: { deviceId?: string; cause?: unknown } = {}) {
    // Bounded and free of control characters (line feeds kept: a config error lists its issues a
    // line each) whatever a caller put in: a device's text reaches messages in many places.
    super(untrustedText(options.deviceId ? `${options.deviceId}: ${message}` : message, { maxChars: MAX_ERROR_MESSAGE_CHARS, keepNewlines: true }), {
      cause: options.cause,
    });
    // Names are set literally in each class: minified Lambda bundles rename classes, and
    // Step Functions matches Retry/Catch rules on this name.
    this.name = 'BackupRunnerError';
    this.deviceId = options.deviceId;
  }
}

/** The config file is wrong; `issues` hold one line per bad field (`path: what is allowed`). */
export class ConfigError extends BackupRunnerError {
  override name = 'ConfigError';
  /** The first line, without the issue list (kept so the error can be re-labelled with a device). */
  readonly summary: string;
  readonly issues: readonly string[];
  constructor(summary: string, issues: readonly string[] = [], options: { deviceId?: string; cause?: unknown } = {}) {
    super(issues.length ? `${summary}\n${issues.map((i) => `  - ${i}`).join('\n')}` : summary, options);
    this.summary = summary;
    this.issues = issues;
  }
}

/** A device secret is missing or lacks a field the driver needs. */
export class SecretError extends BackupRunnerError {
  override name = 'SecretError';
}

/** The device is doing something that excludes this request now (another backup or restore, slot limit): retry later. */
export class DeviceBusy extends BackupRunnerError {
  override name = 'DeviceBusy';
}

/**
 * Another run of the runner holds the device (lambdas/state/device-locks.ts): a second backup at
 * once would collide with it on the device. Never retried or re-run; `holder` names the execution.
 */
export class DeviceLocked extends BackupRunnerError {
  override name = 'DeviceLocked';
  readonly holder: string | undefined;
  constructor(message: string, options: { deviceId?: string; cause?: unknown; holder?: string } = {}) {
    super(message, options);
    this.holder = options.holder;
  }
}

/** The device could not be reached or answered 5xx (refused, reset, timeout, rebooting): retry with back-off. */
export class DeviceUnreachable extends BackupRunnerError {
  override name = 'DeviceUnreachable';
}

/** The device refused our credentials, also after one fresh login. Never retried. */
export class AuthenticationFailed extends BackupRunnerError {
  override name = 'AuthenticationFailed';
}

/** The device's TLS certificate did not match the pinned CA or fingerprint. Never retried. */
export class TlsVerificationFailed extends BackupRunnerError {
  override name = 'TlsVerificationFailed';
}

/**
 * An SSH server (landing host, console) presented a host key other than the pinned one, or the
 * config pins none we could compare. Never retried: a changed key is either a reinstall someone
 * must confirm or someone in the middle.
 */
export class HostKeyMismatch extends BackupRunnerError {
  override name = 'HostKeyMismatch';
}

/** The device answered 4xx to a request; the message carries the status and the device's error text. */
export class DeviceRejectedRequest extends BackupRunnerError {
  override name = 'DeviceRejectedRequest';
  readonly status: number;
  constructor(message: string, options: { deviceId?: string; cause?: unknown; status: number }) {
    super(message, options);
    this.status = options.status;
  }
}

/** The device answered something we cannot read: non-JSON, a missing field, an unknown status. */
export class DeviceProtocolError extends BackupRunnerError {
  override name = 'DeviceProtocolError';
}

/** The device reported that the backup (or restore) itself failed. */
export class DeviceOperationFailed extends BackupRunnerError {
  override name = 'DeviceOperationFailed';
}

/** Bytes or checksums do not match what the device announced: never stored as good. */
export class IntegrityError extends BackupRunnerError {
  override name = 'IntegrityError';
}

/** The device did not finish within the configured time. */
export class OperationTimedOut extends BackupRunnerError {
  override name = 'OperationTimedOut';
}

/** Every error name the workflow's Retry/Catch rules refer to. */
export const ERROR_NAMES = {
  busy: 'DeviceBusy',
  unreachable: 'DeviceUnreachable',
  authentication: 'AuthenticationFailed',
  tls: 'TlsVerificationFailed',
  hostKey: 'HostKeyMismatch',
  rejected: 'DeviceRejectedRequest',
  protocol: 'DeviceProtocolError',
  deviceFailed: 'DeviceOperationFailed',
  integrity: 'IntegrityError',
  timedOut: 'OperationTimedOut',
  config: 'ConfigError',
  secret: 'SecretError',
  locked: 'DeviceLocked',
} as const;

/** Errors a later attempt may cure. */
export const RETRYABLE_ERRORS = [ERROR_NAMES.busy, ERROR_NAMES.unreachable] as const;

/** Adds the device id to an error that lacks it, keeping its type so Retry/Catch still match. */
export function withDevice(error: unknown, deviceId: string): Error {
  if (error instanceof BackupRunnerError) {
    if (error.deviceId) return error;
    // ConfigError's constructor takes its issue list second; copying it like the others would
    // put the options object where the issues belong.
    if (error instanceof ConfigError) return new ConfigError(error.summary, error.issues, { deviceId, cause: error.cause });
    const Ctor = error.constructor as new (m: string, o: { deviceId: string; cause: unknown; status?: number }) => BackupRunnerError;
    const copy = new Ctor(error.message, {
      deviceId,
      cause: error.cause,
      ...(error instanceof DeviceRejectedRequest ? { status: error.status } : {}),
    });
    return copy;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BackupRunnerError(message, { deviceId, cause: error });
}
