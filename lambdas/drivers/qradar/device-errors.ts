import {
  AuthenticationFailed,
  DeviceBusy,
  DeviceProtocolError,
  DeviceRejectedRequest,
  DeviceUnreachable,
  type BackupRunnerError,
} from '../../common/errors';

/** QRadar's error document {message, details, description, code, http_response}, read leniently. */
export interface QRadarErrorBody {
  code?: number;
  message?: string;
  description?: string;
  raw?: string;
}

export function parseQRadarErrorBody(text: string): QRadarErrorBody {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) {
      const r = value as Record<string, unknown>;
      const code = typeof r.code === 'number' ? r.code : typeof r.code === 'string' && /^\d+$/.test(r.code) ? Number(r.code) : undefined;
      const message = typeof r.message === 'string' ? r.message : undefined;
      const description = typeof r.description === 'string' ? r.description : undefined;
      if (code !== undefined || message || description) {
        return { ...(code !== undefined ? { code } : {}), ...(message ? { message } : {}), ...(description ? { description } : {}) };
      }
    }
  } catch {
    // Not JSON: keep the start of it.
  }
  const trimmed = text.trim();
  return trimmed ? { raw: trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed } : {};
}

export function describeQRadarError(body: QRadarErrorBody): string {
  if (body.code !== undefined || body.message) return [body.code !== undefined ? `code ${body.code}` : '', body.message ?? body.description ?? ''].filter(Boolean).join(': ');
  return body.raw ? `body ${JSON.stringify(body.raw)}` : 'no error text';
}

/** 409 codes that mean "not now" (seed 003): undeployed changes, a backup running, a restore running. */
export const QRADAR_BUSY_CODES: ReadonlyMap<number, string> = new Map([
  [1011, 'an undeployed configuration change is pending on the console (deploy it, then the backup can run)'],
  [1015, 'a backup is already in progress on the console'],
  [1016, 'a restore is in progress on the console'],
]);

/** 409 1005: the backup name is taken; the driver picks another. */
export const QRADAR_NAME_EXISTS = 1005;

/** The typed error for a non-2xx answer. Pure, tested as a table. */
export function qradarErrorFor(deviceId: string, request: { method: string; path: string }, status: number, body: QRadarErrorBody): BackupRunnerError {
  const what = `${request.method} ${request.path} answered ${status} (${describeQRadarError(body)})`;
  if (status === 401 || status === 403) {
    return new AuthenticationFailed(`${what}; the console refused the SEC token (check the authorized service and its role)`, { deviceId });
  }
  if (status >= 500) return new DeviceUnreachable(`${what}; will retry later`, { deviceId });
  if (status === 409 && body.code !== undefined && QRADAR_BUSY_CODES.has(body.code)) {
    return new DeviceBusy(`${what}: ${QRADAR_BUSY_CODES.get(body.code)}; will retry later`, { deviceId });
  }
  if (status >= 400) {
    // 422 codes are configuration problems the operator must fix; the device's message says which.
    return new DeviceRejectedRequest(status === 422 ? `${what}; the console refuses this configuration` : what, { deviceId, status });
  }
  return new DeviceProtocolError(`${what}; expected a 2xx answer`, { deviceId });
}
