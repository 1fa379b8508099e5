import { DeviceProtocolError } from '../../common/errors';
import type { DeviceHttpClient, DeviceRequest, DeviceResponse } from '../../common/http';
import { parseQRadarErrorBody, qradarErrorFor, type QRadarErrorBody } from './device-errors';
import { QRADAR_API_VERSION } from './paths';

/** The answer to a request whose non-2xx statuses the caller wants to look at itself. */
export type QRadarAnswer = { ok: true; value: unknown } | { ok: false; status: number; body: QRadarErrorBody };

/**
 * Requests to a QRadar console: the SEC token, the pinned Version and Accept on every request
 * (device-apis.md). No session: each request carries the token.
 */
export class QRadarClient {
  constructor(
    private readonly http: DeviceHttpClient,
    private readonly deviceId: string,
    private readonly token: string,
  ) {}

  /** A 2xx JSON answer, or the typed error for the status. */
  async json(request: Omit<DeviceRequest, 'body'> & { body?: unknown }): Promise<unknown> {
    const answer = await this.tryJson(request);
    if (answer.ok) return answer.value;
    throw qradarErrorFor(this.deviceId, request, answer.status, answer.body);
  }

  /** Like json(), but hands non-2xx answers back (the caller handles e.g. 409 1005 or 404). */
  async tryJson(request: Omit<DeviceRequest, 'body'> & { body?: unknown }): Promise<QRadarAnswer> {
    const response = await this.send(request);
    if (response.status >= 200 && response.status < 300) {
      if (response.status === 204) {
        await response.dump();
        return { ok: true, value: null };
      }
      const text = await response.text();
      if (text.trim() === '') return { ok: true, value: null };
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        const start = text.length > 200 ? `${text.slice(0, 200)}...` : text;
        throw new DeviceProtocolError(`${request.method} ${request.path} answered ${response.status} with a body that is not JSON: ${JSON.stringify(start)}`, {
          deviceId: this.deviceId,
        });
      }
    }
    const text = await response.text().catch(() => '');
    return { ok: false, status: response.status, body: parseQRadarErrorBody(text) };
  }

  private send(request: Omit<DeviceRequest, 'body'> & { body?: unknown }): Promise<DeviceResponse> {
    const hasBody = request.body !== undefined;
    return this.http.request({
      method: request.method,
      path: request.path,
      headers: {
        SEC: this.token,
        Version: QRADAR_API_VERSION,
        Accept: 'application/json',
        ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        ...request.headers,
      },
      body: hasBody ? JSON.stringify(request.body) : null,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }
}
