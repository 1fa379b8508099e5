import {
  AuthenticationFailed,
  DeviceBusy,
  DeviceProtocolError,
  DeviceRejectedRequest,
  DeviceUnreachable,
  type BackupRunnerError,
} from '../../common/errors';

/**
 * Storware's error bodies are not in the seed; servers answer JSON with a `message` (sometimes
 * `error` or `errorMessage`) or, behind a proxy, HTML. Read leniently and keep the start.
 */
export function describeStorwareErrorBody(text: string): string {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const field of ['message', 'errorMessage', 'error', 'description']) {
        const found = record[field];
        if (typeof found === 'string' && found !== '') return found;
      }
    }
  } catch {
    // Not JSON: the raw start below.
  }
  const trimmed = text.trim();
  if (!trimmed) return 'no error text';
  return `body ${JSON.stringify(trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed)}`;
}

/** Inferred: Storware answers 409 when an export for the entity is already queued or running. */
const BUSY_STATUSES = new Set([409, 423, 429]);
const BUSY_TEXT = /already (queued|running|in progress)|\bbusy\b|try again later/i;

/** The typed error for a non-2xx answer (a 401 reaching here is final: the session already logged in again). Pure. */
export function storwareErrorForStatus(deviceId: string, request: { method: string; path: string }, status: number, errorText: string): BackupRunnerError {
  const what = `${request.method} ${request.path} answered ${status} (${errorText})`;
  if (status === 401 || status === 403) return new AuthenticationFailed(`${what}; the Storware server refused the session or the account lacks the right`, { deviceId });
  if (status >= 500) return new DeviceUnreachable(`${what}; will retry later`, { deviceId });
  if (status >= 400) {
    if (BUSY_STATUSES.has(status) || BUSY_TEXT.test(errorText)) return new DeviceBusy(`${what}; the Storware server is busy, will retry later`, { deviceId });
    return new DeviceRejectedRequest(what, { deviceId, status });
  }
  return new DeviceProtocolError(`${what}; expected a 2xx answer`, { deviceId });
}
