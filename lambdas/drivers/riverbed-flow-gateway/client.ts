import type { DeviceHttpClient, DeviceRequest } from '../../common/http';
import { errorForStatus, parseNpmErrorBody } from '../riverbed-npm-v1/device-errors';

/**
 * HTTP Basic to a Flow Gateway (device-apis.md: the AppResponse token endpoint does not exist
 * there). Errors share Riverbed's {error_id, error_text} document, so the npm.backup mapping of
 * statuses to typed errors applies unchanged (401 is final: Basic has no session to renew).
 */
export class FlowGatewayClient {
  private readonly authorization: string;

  constructor(
    private readonly http: DeviceHttpClient,
    private readonly deviceId: string,
    credentials: { username: string; password: string },
  ) {
    this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  async getJson(path: string): Promise<unknown> {
    const response = await this.send({ method: 'GET', path, headers: { Accept: 'application/json' } });
    return response.json();
  }

  /** POST a JSON body; the gateway answers without a body on success. */
  async postJson(path: string, body: unknown): Promise<void> {
    const response = await this.send({ method: 'POST', path, headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
    await response.dump();
  }

  private async send(request: DeviceRequest) {
    const response = await this.http.request({ ...request, headers: { ...request.headers, Authorization: this.authorization } });
    if (response.status >= 200 && response.status < 300) return response;
    const text = await response.text().catch(() => '');
    throw errorForStatus(this.deviceId, request, response.status, parseNpmErrorBody(text));
  }
}
