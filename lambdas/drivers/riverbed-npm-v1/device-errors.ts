import {
  AuthenticationFailed,
  DeviceBusy,
  DeviceProtocolError,
  DeviceRejectedRequest,
  DeviceUnreachable,
  type BackupRunnerError,
} from '../../common/errors';

/** The device's error document `{error_id, error_text, error_info}`, or the start of whatever it sent instead. */
export interface NpmErrorBody {
  errorId?: string;
  errorText?: string;
  /** The first characters of a body that is not the error document. */
  raw?: string;
}

/** Reads an error body leniently: a 5xx from a proxy in front of the device is HTML, and still an answer. */
export function parseNpmErrorBody(text: string): NpmErrorBody {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      const errorId = typeof record.error_id === 'string' ? record.error_id : undefined;
      const errorText = typeof record.error_text === 'string' ? record.error_text : undefined;
      if (errorId || errorText) return { ...(errorId ? { errorId } : {}), ...(errorText ? { errorText } : {}) };
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const trimmed = text.trim();
  return trimmed ? { raw: trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed } : {};
}

export function describeNpmError(body: NpmErrorBody): string {
  if (body.errorId || body.errorText) return [body.errorId, body.errorText].filter(Boolean).join(': ');
  return body.raw ? `body ${JSON.stringify(body.raw)}` : 'no error text';
}

/**
 * Inferred (no source lists them): answers saying another operation holds the device. They
 * come as 409/423/429 or as a 4xx whose text says so; a later attempt may succeed.
 */
const BUSY_STATUSES = new Set([409, 423, 429]);
const BUSY_TEXT = /\bbusy\b|in progress|already (running|started|in use)|another (backup|restore|operation)|try again later/i;

/**
 * The typed error for a non-2xx answer (401 is the session's business before it gets here: a
 * 401 that reaches this function is final). Pure, so the mapping is tested as a table.
 */
export function errorForStatus(
  deviceId: string,
  request: { method: string; path: string },
  status: number,
  body: NpmErrorBody,
): BackupRunnerError {
  const what = `${request.method} ${request.path} answered ${status} (${describeNpmError(body)})`;
  if (status === 401) return new AuthenticationFailed(`${what}; the device refused the credentials`, { deviceId });
  if (status >= 500) return new DeviceUnreachable(`${what}; will retry later`, { deviceId });
  if (status >= 400) {
    const text = `${body.errorId ?? ''} ${body.errorText ?? ''}`;
    if (BUSY_STATUSES.has(status) || BUSY_TEXT.test(text)) return new DeviceBusy(`${what}; the device is busy, will retry later`, { deviceId });
    return new DeviceRejectedRequest(what, { deviceId, status });
  }
  return new DeviceProtocolError(`${what}; expected a 2xx answer`, { deviceId });
}
