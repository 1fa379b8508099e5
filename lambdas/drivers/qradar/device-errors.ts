import type { BackupRunnerError } from '../../common/errors';
import { bodyStart, describeBodyStart, errorForAnswer, parseErrorObject } from '../common/error-answers';

/** QRadar's error document {message, details, description, code, http_response}, read leniently. */
export interface QRadarErrorBody {
  code?: number;
  message?: string;
  description?: string;
  raw?: string;
}

export function parseQRadarErrorBody(text: string): QRadarErrorBody {
  const r = parseErrorObject(text);
  if (r) {
    const code = typeof r.code === 'number' ? r.code : typeof r.code === 'string' && /^\d+$/.test(r.code) ? Number(r.code) : undefined;
    const message = typeof r.message === 'string' ? r.message : undefined;
    const description = typeof r.description === 'string' ? r.description : undefined;
    if (code !== undefined || message || description) {
      return { ...(code !== undefined ? { code } : {}), ...(message ? { message } : {}), ...(description ? { description } : {}) };
    }
  }
  const raw = bodyStart(text);
  return raw ? { raw } : {};
}

export function describeQRadarError(body: QRadarErrorBody): string {
  if (body.code !== undefined || body.message) return [body.code !== undefined ? `code ${body.code}` : '', body.message ?? body.description ?? ''].filter(Boolean).join(': ');
  return describeBodyStart(body.raw);
}

/** 409 codes that mean "not now" (seed 003): a backup running, a restore running. */
export const QRADAR_BUSY_CODES: ReadonlyMap<number, string> = new Map([
  [1015, 'a backup is already in progress on the console'],
  [1016, 'a restore is in progress on the console'],
]);

/**
 * 409 1011 (seed 003: "An undeployed configuration change has been detected. Deploy staged changes
 * then try again."): waiting does not help, an operator must deploy; so it fails at once, saying so.
 */
export const QRADAR_UNDEPLOYED_CHANGES = 1011;

/** 409 1005: the backup name is taken; the driver picks another. */
export const QRADAR_NAME_EXISTS = 1005;

const AUTHENTICATION_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/** The typed error for a non-2xx answer. Pure, tested as a table. */
export function qradarErrorFor(deviceId: string, request: { method: string; path: string }, status: number, body: QRadarErrorBody): BackupRunnerError {
  const what = `${request.method} ${request.path} answered ${status} (${describeQRadarError(body)})`;
  const busyReason = status === 409 && body.code !== undefined ? QRADAR_BUSY_CODES.get(body.code) : undefined;
  return errorForAnswer(deviceId, what, status, {
    authenticationStatuses: AUTHENTICATION_STATUSES,
    authenticationMessage: (w) => `${w}; the console refused the SEC token (check the authorized service and its role)`,
    busyMessage: (w) => (busyReason !== undefined ? `${w}: ${busyReason}; will retry later` : undefined),
    // 422 codes are configuration problems the operator must fix; the device's message says which.
    rejectedMessage: (w, s) =>
      s === 422
        ? `${w}; the console refuses this configuration`
        : s === 409 && body.code === QRADAR_UNDEPLOYED_CHANGES
          ? `${w}: an operator must deploy the staged changes on the console (Admin > Deploy Changes), then run the backup again; not retried`
          : w,
  });
}
