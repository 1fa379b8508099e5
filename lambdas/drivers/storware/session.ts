import { AuthenticationFailed, DeviceProtocolError } from '../../common/errors';
import type { DeviceHttpClient, DeviceRequest, DeviceResponse } from '../../common/http';
import type { Log } from '../../common/log';
import { describeStorwareErrorBody, storwareErrorForStatus } from './device-errors';
import { storwarePaths } from './paths';
import type { StorwareCredentials } from './secret';

export interface StorwareRequest {
  method: DeviceRequest['method'];
  path: string;
  /** JSON body; sent again as it is when the request is repeated after a fresh login. */
  json?: unknown;
}

/**
 * A cookie session with a Storware server: `POST /api/session/login {"login","password"}`, then
 * the cookies it set go with every request. One per driver instance (one workflow step): the
 * session may expire during the hours a backup runs, so each step logs in afresh. A 401 gets
 * one fresh login and one repeat; a second 401 is AuthenticationFailed.
 */
export class StorwareSession {
  private cookie: Promise<string> | undefined;

  constructor(
    private readonly deps: {
      deviceId: string;
      secretName: string;
      credentials: StorwareCredentials;
      http: DeviceHttpClient;
      log: Log;
    },
  ) {}

  /** A 2xx JSON answer, parsed; any other status becomes its typed error. */
  async json(request: StorwareRequest): Promise<unknown> {
    const response = await this.send(request);
    if (response.status < 200 || response.status >= 300) throw await this.errorFrom(request, response);
    const text = await response.text();
    // Some endpoints answer 200/204 with no body; the caller's schema then says what was missing.
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new DeviceProtocolError(`${request.method} ${request.path} answered ${response.status} with a body that is not JSON: ${describeStorwareErrorBody(text)}`, {
        deviceId: this.deps.deviceId,
      });
    }
  }

  /** Sends with the session cookie; on a 401 logs in once more and repeats. Never returns a 401. */
  async send(request: StorwareRequest): Promise<DeviceResponse> {
    const first = await this.sendWithCookie(request, await this.currentCookie());
    if (first.status !== 401) return first;
    const why = describeStorwareErrorBody(await first.text().catch(() => ''));
    this.deps.log.info('Storware session expired or was refused; logging in again', { device: this.deps.deviceId, path: request.path, error: why });
    this.cookie = undefined;
    const second = await this.sendWithCookie(request, await this.currentCookie());
    if (second.status !== 401) return second;
    const again = describeStorwareErrorBody(await second.text().catch(() => ''));
    throw new AuthenticationFailed(
      `${request.method} ${request.path} answered 401 (${again}) again right after a fresh login with secret "${this.deps.secretName}"`,
      { deviceId: this.deps.deviceId },
    );
  }

  async errorFrom(request: { method: string; path: string }, response: DeviceResponse): Promise<Error> {
    const text = await response.text().catch(() => '');
    return storwareErrorForStatus(this.deps.deviceId, request, response.status, describeStorwareErrorBody(text));
  }

  private currentCookie(): Promise<string> {
    // Shared promise: concurrent requests wait for one login.
    this.cookie ??= this.login().catch((error: unknown) => {
      this.cookie = undefined;
      throw error;
    });
    return this.cookie;
  }

  private sendWithCookie(request: StorwareRequest, cookie: string): Promise<DeviceResponse> {
    return this.deps.http.request({
      method: request.method,
      path: request.path,
      headers: {
        Accept: 'application/json',
        Cookie: cookie,
        ...(request.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: request.json !== undefined ? JSON.stringify(request.json) : null,
    });
  }

  private async login(): Promise<string> {
    const { deviceId, credentials, secretName } = this.deps;
    const request = { method: 'POST' as const, path: storwarePaths.login };
    const response = await this.deps.http.request({
      ...request,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ login: credentials.login, password: credentials.password }),
    });
    if (response.status === 401 || response.status === 403) {
      const why = describeStorwareErrorBody(await response.text().catch(() => ''));
      throw new AuthenticationFailed(`login at ${storwarePaths.login} refused the credentials in secret "${secretName}" (${why})`, { deviceId });
    }
    if (response.status < 200 || response.status >= 300) throw await this.errorFrom(request, response);
    await response.dump();
    const cookie = cookieHeaderFrom(response.headers['set-cookie']);
    if (!cookie) {
      throw new AuthenticationFailed(`login at ${storwarePaths.login} answered ${response.status} but set no session cookie`, { deviceId });
    }
    this.deps.log.debug('logged in to Storware', { device: deviceId });
    return cookie;
  }
}

/** `Set-Cookie` headers -> the `Cookie` header that sends them back: name=value pairs only, attributes dropped. Pure. */
export function cookieHeaderFrom(setCookie: string | string[] | undefined): string {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  const pairs = new Map<string, string>();
  for (const line of lines) {
    const pair = line.split(';')[0]?.trim() ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    pairs.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return [...pairs].map(([name, value]) => `${name}=${value}`).join('; ');
}
