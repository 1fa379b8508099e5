import {
  AuthenticationFailed,
  DeviceBusy,
  DeviceProtocolError,
  DeviceRejectedRequest,
  DeviceUnreachable,
  type BackupRunnerError,
} from '../../common/errors';
import { untrustedText } from '../../common/untrusted-text';

/**
 * What the REST drivers share about a device's non-2xx answers: reading an error body leniently
 * (a proxy in front of the device answers HTML, and that is still an answer) and the order in
 * which a status becomes a typed error. Each vendor keeps its own error document and wording.
 */

/** Characters of a body that is not the vendor's error document kept for messages. */
const BODY_START_CHARS = 200;

/**
 * The error body as a JSON object, or undefined when it is not one. Its top-level strings (the
 * error texts the drivers quote) come back as untrustedText: control characters removed, cut at
 * 500 characters with a marker. A device's error text is untrusted: 400 KiB of it must not
 * become a 400 KiB error message, Lambda log line and alert e-mail.
 */
export function parseErrorObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? untrustedText(v) : v]));
    }
  } catch {
    // Not JSON: the caller keeps the raw start instead.
  }
  return undefined;
}

/** The start of a body, trimmed, control characters removed and cut at 200 characters; undefined for an empty body. */
export function bodyStart(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return untrustedText(trimmed, { maxChars: BODY_START_CHARS });
}

/** How a message names a body that is not the error document. */
export function describeBodyStart(raw: string | undefined): string {
  return raw ? `body ${JSON.stringify(raw)}` : 'no error text';
}

/** A vendor's reading of the statuses whose meaning differs between devices. */
export interface ErrorAnswerRules {
  /** Statuses that mean the credentials were refused (401, and 403 where the vendor uses it). */
  authenticationStatuses: ReadonlySet<number>;
  /** The message of an authentication failure, given "METHOD path answered N (text)". */
  authenticationMessage(what: string): string;
  /** For a 4xx: the message when it means "not now" (DeviceBusy, retried), else undefined. */
  busyMessage(what: string, status: number): string | undefined;
  /** For a 4xx that is not busy: the message of DeviceRejectedRequest (default: `what` alone). */
  rejectedMessage?(what: string, status: number): string;
}

/**
 * The typed error for a non-2xx answer, `what` being "METHOD path answered N (text)": refused
 * credentials, then 5xx (unreachable, retried), then 4xx (busy or rejected), and anything else
 * (1xx, 3xx) a protocol error. Pure, so each vendor's mapping is tested as a table.
 */
export function errorForAnswer(deviceId: string, what: string, status: number, rules: ErrorAnswerRules): BackupRunnerError {
  if (rules.authenticationStatuses.has(status)) return new AuthenticationFailed(rules.authenticationMessage(what), { deviceId });
  if (status >= 500) return new DeviceUnreachable(`${what}; will retry later`, { deviceId });
  if (status >= 400) {
    const busy = rules.busyMessage(what, status);
    if (busy !== undefined) return new DeviceBusy(busy, { deviceId });
    return new DeviceRejectedRequest(rules.rejectedMessage?.(what, status) ?? what, { deviceId, status });
  }
  return new DeviceProtocolError(`${what}; expected a 2xx answer`, { deviceId });
}
