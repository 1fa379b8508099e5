import type { Readable } from 'node:stream';
import { AuthenticationFailed, DeviceRejectedRequest } from '../../common/errors';
import type { DeviceHttpClient, DeviceRequest, DeviceResponse } from '../../common/http';
import type { Log } from '../../common/log';
import type { DriverContext } from '../driver';
import { describeNpmError, errorForStatus, parseNpmErrorBody } from './device-errors';
import { TOKEN_PATHS, type TokenApiVersion } from './paths';
import { parseAccessToken } from './responses';
import { parseNpmCredentials, type NpmCredentials } from './secret';

/**
 * A body that can be sent twice (the session repeats a request after a fresh login): text and
 * buffers are, a stream is not, so streams come as a function that opens a new one.
 */
export type RepeatableBody = string | Buffer | (() => Readable);

export interface SessionRequest {
  method: DeviceRequest['method'];
  path: string;
  headers?: Record<string, string>;
  body?: RepeatableBody;
  signal?: AbortSignal;
}

/**
 * Bearer-token session with an AppResponse/Portal (mgmt.aaa). One per driver instance: every
 * workflow step logs in afresh, since tokens last about 15 minutes and die with a reboot.
 * Requests go out with the token; a 401 gets one fresh login and one repeat, a second 401 is
 * AuthenticationFailed. Everything but 401 is returned: the caller decides what a status means.
 */
export class NpmSession {
  private token: Promise<string> | undefined;
  /** The token endpoint that answered; found once, so a re-login does not probe again. */
  private tokenApi: TokenApiVersion | undefined;

  constructor(
    private readonly deps: {
      deviceId: string;
      secretName: string;
      credentials: NpmCredentials;
      http: DeviceHttpClient;
      log: Log;
    },
  ) {}

  /** A driver's session: its device's credentials from the device's secret, over the driver's HTTP client and log. */
  static forDriver(context: Pick<DriverContext, 'device' | 'secret' | 'http' | 'log'>): NpmSession {
    const { device, http, log } = context;
    return new NpmSession({ deviceId: device.id, secretName: device.secret, credentials: parseNpmCredentials(context.secret, device.secret, device.id), http, log });
  }

  /** Sends with the current token; on a 401 logs in once more and repeats. Never returns a 401. */
  async send(request: SessionRequest): Promise<DeviceResponse> {
    const first = await this.sendWithToken(request, await this.currentToken());
    if (first.status !== 401) return first;
    const rejected = describeNpmError(parseNpmErrorBody(await first.text().catch(() => '')));
    this.deps.log.info('device rejected the token; logging in again', { device: this.deps.deviceId, path: request.path, error: rejected });
    this.token = undefined;
    const second = await this.sendWithToken(request, await this.currentToken());
    if (second.status !== 401) return second;
    const again = describeNpmError(parseNpmErrorBody(await second.text().catch(() => '')));
    throw new AuthenticationFailed(
      `${request.method} ${request.path} answered 401 (${again}) again right after a fresh login with secret "${this.deps.secretName}"`,
      { deviceId: this.deps.deviceId },
    );
  }

  /** Sends and insists on a 2xx; any other status becomes its typed error (see errorForStatus). */
  async sendExpectingSuccess(request: SessionRequest): Promise<DeviceResponse> {
    const response = await this.send(request);
    if (response.status >= 200 && response.status < 300) return response;
    throw await errorFromResponse(this.deps.deviceId, request, response);
  }

  /** A 2xx JSON answer, parsed. */
  async json(request: SessionRequest): Promise<unknown> {
    const response = await this.sendExpectingSuccess({ ...request, headers: { Accept: 'application/json', ...request.headers } });
    return response.json();
  }

  private currentToken(): Promise<string> {
    // Shared promise: concurrent requests wait for one login instead of each starting their own.
    this.token ??= this.login().catch((error: unknown) => {
      this.token = undefined;
      throw error;
    });
    return this.token;
  }

  private sendWithToken(request: SessionRequest, token: string): Promise<DeviceResponse> {
    const body = request.body === undefined ? null : typeof request.body === 'function' ? request.body() : request.body;
    return this.deps.http.request({
      method: request.method,
      path: request.path,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
      body,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }

  /** POST the credentials to mgmt.aaa 2.0, or 1.0 where 2.0 does not exist (AppResponse 11.4/11.5). */
  private async login(): Promise<string> {
    const { deviceId, credentials } = this.deps;
    const candidates = this.tokenApi ? TOKEN_PATHS.filter((t) => t.version === this.tokenApi) : TOKEN_PATHS;
    const body = JSON.stringify({
      user_credentials: { username: credentials.username, password: credentials.password },
      generate_refresh_token: false,
    });
    const missing: string[] = [];
    for (const { version, path } of candidates) {
      const request = { method: 'POST' as const, path };
      const response = await this.deps.http.request({
        ...request,
        // Exactly this: some versions answer 415 to "application/json; charset=utf-8".
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body,
      });
      if (response.status === 404) {
        await response.dump();
        missing.push(path);
        continue;
      }
      if (response.status === 401) {
        const why = describeNpmError(parseNpmErrorBody(await response.text().catch(() => '')));
        throw new AuthenticationFailed(`login at ${path} refused the credentials in secret "${this.deps.secretName}" (${why})`, { deviceId });
      }
      if (response.status < 200 || response.status >= 300) throw await errorFromResponse(deviceId, request, response);
      const token = parseAccessToken(await response.json(), deviceId, `the answer of POST ${path}`);
      this.tokenApi = version;
      this.deps.log.debug('logged in', { device: deviceId, tokenApi: version });
      return token;
    }
    throw new DeviceRejectedRequest(
      `no token endpoint: ${missing.join(' and ')} answered 404 (is this an AppResponse 11 or Portal with the mgmt.aaa API?)`,
      { deviceId, status: 404 },
    );
  }
}

/** Reads the error body (small) and builds the typed error for the status. */
export async function errorFromResponse(deviceId: string, request: { method: string; path: string }, response: DeviceResponse): Promise<Error> {
  const text = await response.text().catch(() => '');
  return errorForStatus(deviceId, request, response.status, parseNpmErrorBody(text));
}
