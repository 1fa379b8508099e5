import type { BackupRunnerError } from '../../common/errors';
import { bodyStart, describeBodyStart, errorForAnswer, parseErrorObject } from '../common/error-answers';

/** The device's error document `{error_id, error_text, error_info}`, or the start of whatever it sent instead. */
export interface NpmErrorBody {
  errorId?: string;
  errorText?: string;
  /** The first characters of a body that is not the error document. */
  raw?: string;
}

/** Reads an error body leniently: a 5xx from a proxy in front of the device is HTML, and still an answer. */
export function parseNpmErrorBody(text: string): NpmErrorBody {
  const record = parseErrorObject(text);
  if (record) {
    const errorId = typeof record.error_id === 'string' ? record.error_id : undefined;
    const errorText = typeof record.error_text === 'string' ? record.error_text : undefined;
    if (errorId || errorText) return { ...(errorId ? { errorId } : {}), ...(errorText ? { errorText } : {}) };
  }
  const raw = bodyStart(text);
  return raw ? { raw } : {};
}

export function describeNpmError(body: NpmErrorBody): string {
  if (body.errorId || body.errorText) return [body.errorId, body.errorText].filter(Boolean).join(': ');
  return describeBodyStart(body.raw);
}

/**
 * Inferred (no source lists them): answers saying another operation holds the device. They
 * come as 409/423/429 or as a 4xx whose text says so; a later attempt may succeed.
 */
const BUSY_STATUSES = new Set([409, 423, 429]);
const BUSY_TEXT = /\bbusy\b|in progress|already (running|started|in use)|another (backup|restore|operation)|try again later/i;
const AUTHENTICATION_STATUSES: ReadonlySet<number> = new Set([401]);

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
  const text = `${body.errorId ?? ''} ${body.errorText ?? ''}`;
  return errorForAnswer(deviceId, what, status, {
    authenticationStatuses: AUTHENTICATION_STATUSES,
    authenticationMessage: (w) => `${w}; the device refused the credentials`,
    busyMessage: (w, s) => (BUSY_STATUSES.has(s) || BUSY_TEXT.test(text) ? `${w}; the device is busy, will retry later` : undefined),
  });
}
