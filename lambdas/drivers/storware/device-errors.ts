import type { BackupRunnerError } from '../../common/errors';
import { bodyStart, describeBodyStart, errorForAnswer, parseErrorObject } from '../common/error-answers';

/**
 * Storware's error bodies are not in the seed; servers answer JSON with a `message` (sometimes
 * `error` or `errorMessage`) or, behind a proxy, HTML. Read leniently and keep the start.
 */
export function describeStorwareErrorBody(text: string): string {
  const record = parseErrorObject(text);
  for (const field of ['message', 'errorMessage', 'error', 'description']) {
    const found = record?.[field];
    if (typeof found === 'string' && found !== '') return found;
  }
  return describeBodyStart(bodyStart(text));
}

/** Inferred: Storware answers 409 when an export for the entity is already queued or running. */
const BUSY_STATUSES = new Set([409, 423, 429]);
const BUSY_TEXT = /already (queued|running|in progress)|\bbusy\b|try again later/i;
const AUTHENTICATION_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/** The typed error for a non-2xx answer (a 401 reaching here is final: the session already logged in again). Pure. */
export function storwareErrorForStatus(deviceId: string, request: { method: string; path: string }, status: number, errorText: string): BackupRunnerError {
  const what = `${request.method} ${request.path} answered ${status} (${errorText})`;
  return errorForAnswer(deviceId, what, status, {
    authenticationStatuses: AUTHENTICATION_STATUSES,
    authenticationMessage: (w) => `${w}; the Storware server refused the session or the account lacks the right`,
    busyMessage: (w, s) => (BUSY_STATUSES.has(s) || BUSY_TEXT.test(errorText) ? `${w}; the Storware server is busy, will retry later` : undefined),
  });
}
