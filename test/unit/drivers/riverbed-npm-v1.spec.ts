import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationFailed,
  ConfigError,
  DeviceBusy,
  DeviceProtocolError,
  DeviceRejectedRequest,
  DeviceUnreachable,
  IntegrityError,
  SecretError,
} from '../../../lambdas/common/errors';
import { createDeviceHttpClient } from '../../../lambdas/common/http';
import { silentLog } from '../../../lambdas/common/log';
import { riverbedNpmV1DeviceSchema, type DeviceType } from '../../../lambdas/config/schema';
import { RUNNER_MARKER, type Driver } from '../../../lambdas/drivers/driver';
import { driverFor } from '../../../lambdas/drivers/registry';
import { createRiverbedNpmV1Driver } from '../../../lambdas/drivers/riverbed-npm-v1';
import { errorForStatus } from '../../../lambdas/drivers/riverbed-npm-v1/device-errors';
import { planRoomForBackup } from '../../../lambdas/drivers/riverbed-npm-v1/make-room';
import type { NpmBackup } from '../../../lambdas/drivers/riverbed-npm-v1/responses';

const ORIGIN = 'https://ar11.example.net';
const API = '/api/npm.backup/1.0';
const TOKEN_2 = '/api/mgmt.aaa/2.0/token';
const TOKEN_1 = '/api/mgmt.aaa/1.0/token';
const JSON_HEADERS = { 'content-type': 'application/json' };

const device = riverbedNpmV1DeviceSchema.parse({
  id: 'ar11-lab',
  type: 'riverbed-npm-v1',
  url: ORIGIN,
  secret: 'backup-runner/ar11-lab',
});

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const agents: MockAgent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
});

/** A MockAgent standing in for the device; every request that reaches it is recorded in order. */
function fakeDevice(secret: unknown = { username: 'admin', password: 's3cret-pw' }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const pool = agent.get(ORIGIN);
  const calls: Call[] = [];
  let tokens = 0;

  type Reply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };
  const on = (method: string, path: string, reply: Reply | ((call: Call) => Reply), options: { times?: number; persist?: boolean } = {}) => {
    const scope = pool.intercept({ method, path }).reply((opts) => {
      const call: Call = {
        method: opts.method,
        path: opts.path,
        headers: Object.fromEntries(Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)])),
        body: typeof opts.body === 'string' ? opts.body : undefined,
      };
      calls.push(call);
      const r = typeof reply === 'function' ? reply(call) : reply;
      const data = r.json !== undefined ? JSON.stringify(r.json) : (r.text ?? '');
      return { statusCode: r.status, data, responseOptions: { headers: { ...(r.json !== undefined ? JSON_HEADERS : {}), ...r.headers } } };
    });
    if (options.persist) scope.persist();
    else if (options.times) scope.times(options.times);
  };

  /** Token endpoint that hands out tok-1, tok-2, ... */
  const tokenEndpoint = (path = TOKEN_2, options: { times?: number; persist?: boolean } = { persist: true }) =>
    on('POST', path, () => ({ status: 201, json: { access_token: `tok-${++tokens}`, expires_at: 0, token_type: 'bearer' } }), options);

  const http = createDeviceHttpClient(device, { dispatcher: agent });
  const driver = (): Driver => createRiverbedNpmV1Driver({ device, secret, http, log: silentLog, now: () => new Date('2026-03-01T02:00:00Z') });
  const logins = () => calls.filter((c) => c.path.includes('/mgmt.aaa/'));
  return { agent, on, tokenEndpoint, driver, calls, logins };
}

const backup = (fields: Partial<NpmBackup> & { id: string }): NpmBackup => ({ status: 'completed', ...fields });

describe('riverbed-npm-v1 driver: authentication', () => {
  it('logs in at mgmt.aaa 2.0 with exactly application/json and sends the bearer token', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/7`, { status: 200, json: backup({ id: '7', status: 'started' }) });
    expect(await dev.driver().pollBackup({ backupId: '7' })).toEqual({ state: 'running', detail: 'started' });

    const [login, poll] = dev.calls;
    expect(login?.path).toBe(TOKEN_2);
    expect(login?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login?.body ?? '')).toEqual({ user_credentials: { username: 'admin', password: 's3cret-pw' }, generate_refresh_token: false });
    expect(poll?.headers.authorization).toBe('Bearer tok-1');
  });

  it('falls back to mgmt.aaa 1.0 when 2.0 is 404, and re-logs in there directly', async () => {
    const dev = fakeDevice();
    dev.on('POST', TOKEN_2, { status: 404, json: { error_id: 'NOT_FOUND', error_text: 'no such resource' } });
    dev.tokenEndpoint(TOKEN_1);
    dev.on('GET', `${API}/backups/items/7`, { status: 401, json: { error_id: 'AUTH_REQUIRED', error_text: 'token expired' } });
    dev.on('GET', `${API}/backups/items/7`, { status: 200, json: backup({ id: '7' }) });
    expect(await dev.driver().pollBackup({ backupId: '7' })).toEqual({ state: 'completed' });
    expect(dev.calls.map((c) => c.path)).toEqual([TOKEN_2, TOKEN_1, `${API}/backups/items/7`, TOKEN_1, `${API}/backups/items/7`]);
    expect(dev.calls[4]?.headers.authorization).toBe('Bearer tok-2');
  });

  it('logs in again once on a 401 and repeats the request with the new token', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/7`, { status: 401, json: { error_id: 'AUTH_REQUIRED', error_text: 'Authentication required' } });
    dev.on('GET', `${API}/backups/items/7`, { status: 200, json: backup({ id: '7', status: 'uploading' }) });
    expect(await dev.driver().pollBackup({ backupId: '7' })).toEqual({ state: 'running', detail: 'uploading' });
    expect(dev.logins()).toHaveLength(2);
    expect(dev.calls.at(-1)?.headers.authorization).toBe('Bearer tok-2');
  });

  it('gives up with AuthenticationFailed on a second 401 (one re-login only)', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/7`, { status: 401, json: { error_id: 'AUTH_REQUIRED', error_text: 'Authentication required' } }, { times: 2 });
    const error = await dev.driver().pollBackup({ backupId: '7' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationFailed);
    expect((error as Error).message).toMatch(/^ar11-lab: GET \/api\/npm.backup\/1.0\/backups\/items\/7 answered 401 \(AUTH_REQUIRED: Authentication required\) again/);
    expect(dev.logins()).toHaveLength(2);
  });

  it('reports refused credentials at login as AuthenticationFailed, without the password', async () => {
    const dev = fakeDevice();
    dev.on('POST', TOKEN_2, { status: 401, json: { error_id: 'AUTH_INVALID_CREDENTIALS', error_text: 'Invalid username or password' } });
    const error = await dev.driver().pollBackup({ backupId: '7' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationFailed);
    expect((error as Error).message).toContain('ar11-lab');
    expect((error as Error).message).toContain('backup-runner/ar11-lab');
    expect((error as Error).message).toContain('AUTH_INVALID_CREDENTIALS');
    expect((error as Error).message).not.toContain('s3cret-pw');
    expect(dev.logins()).toHaveLength(1);
  });

  it('logs in afresh for every driver instance (tokens do not outlive a workflow step)', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/7`, { status: 200, json: backup({ id: '7' }) }, { times: 3 });
    const first = dev.driver();
    await first.pollBackup({ backupId: '7' });
    await first.pollBackup({ backupId: '7' });
    await dev.driver().pollBackup({ backupId: '7' });
    expect(dev.logins()).toHaveLength(2);
  });

  it.each([
    [{ password: 'x' }, 'lacks field "username"'],
    [{ username: 'secret-user-name' }, 'lacks field "password"'],
    [{ username: 'secret-user-name', password: 42 }, 'non-string field "password"'],
    ['just-a-string', 'must be a JSON object'],
  ])('validates the secret %#', (secret, expected) => {
    const dev = fakeDevice(secret);
    const make = () => dev.driver();
    expect(make).toThrow(SecretError);
    expect(make).toThrow(expected);
    expect(make).toThrow(/^ar11-lab: secret "backup-runner\/ar11-lab"/);
    expect(make).not.toThrow(/secret-user-name/);
  });
});

describe('riverbed-npm-v1 driver: startBackup and the two-backup limit', () => {
  const ours = (id: string, time: number) => backup({ id, description: `${RUNNER_MARKER} run ${id}`, backup_time: time });
  const theirs = (id: string, time: number) => backup({ id, description: 'before upgrade (jane)', backup_time: time });

  it('creates the backup with the description and returns a small handle', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups`, { status: 200, json: { items: [] } });
    dev.on('POST', `${API}/backups`, { status: 201, json: backup({ id: '12', status: 'started' }) });
    const handle = await dev.driver().startBackup({ runId: 'r1', description: `${RUNNER_MARKER} r1` });
    expect(handle).toEqual({ backupId: '12' });
    const post = dev.calls.at(-1)!;
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body ?? '')).toEqual({ description: `${RUNNER_MARKER} r1` });
  });

  it('deletes the oldest backup the runner made, keeping the one someone else made', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups`, { status: 200, json: { items: [theirs('1', 100), ours('2', 300), ours('3', 200)] } });
    dev.on('DELETE', `${API}/backups/items/3`, { status: 204 });
    dev.on('DELETE', `${API}/backups/items/2`, { status: 204 });
    dev.on('POST', `${API}/backups`, { status: 201, json: backup({ id: '4', status: 'started' }) });
    await dev.driver().startBackup({ runId: 'r1', description: `${RUNNER_MARKER} r1` });
    const deletes = dev.calls.filter((c) => c.method === 'DELETE').map((c) => c.path);
    // Three on the device: two must go for one more to fit, and only ours may go.
    expect(deletes).toEqual([`${API}/backups/items/3`, `${API}/backups/items/2`]);
    expect(dev.calls.at(-1)?.method).toBe('POST');
  });

  it('deletes one of ours when the device holds one of ours and one of theirs', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups`, { status: 200, json: { items: [ours('2', 100), theirs('1', 50)] } });
    dev.on('DELETE', `${API}/backups/items/2`, { status: 404, json: { error_id: 'NOT_FOUND', error_text: 'gone' } });
    dev.on('POST', `${API}/backups`, { status: 201, json: backup({ id: '4', status: 'started' }) });
    expect(await dev.driver().startBackup({ runId: 'r1', description: `${RUNNER_MARKER} r1` })).toEqual({ backupId: '4' });
    expect(dev.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([`${API}/backups/items/2`]);
  });

  it('is busy, deleting nothing, when both backups on the device are someone else\'s', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups`, { status: 200, json: { items: [theirs('1', 100), theirs('2', 200)] } });
    const error = await dev.driver().startBackup({ runId: 'r1', description: `${RUNNER_MARKER} r1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceBusy);
    expect((error as Error).message).toContain('ar11-lab: the device holds 2 backups');
    expect((error as Error).message).toContain('2 not made by the runner');
    expect((error as Error).message).toContain('nothing was deleted');
    expect(dev.calls.filter((c) => c.method !== 'GET' && !c.path.includes('mgmt.aaa'))).toEqual([]);
  });

  it('plans room without touching backups in progress', () => {
    expect(planRoomForBackup([ours('1', 1)], RUNNER_MARKER)).toEqual({ action: 'none' });
    const running = { ...ours('1', 1), status: 'started' };
    const plan = planRoomForBackup([running, theirs('2', 2)], RUNNER_MARKER);
    expect(plan.action).toBe('busy');
    expect(plan.action === 'busy' && plan.reason).toContain('1 made by the runner still in progress');
    // Not enough of ours to make room: delete none rather than some.
    expect(planRoomForBackup([ours('1', 1), theirs('2', 2), theirs('3', 3)], RUNNER_MARKER).action).toBe('busy');
    // A description that merely contains the marker is not ours.
    expect(planRoomForBackup([theirs('1', 1), backup({ id: '2', description: `copy of ${RUNNER_MARKER}` })], RUNNER_MARKER).action).toBe('busy');
  });
});

describe('riverbed-npm-v1 driver: pollBackup', () => {
  it.each([
    ['started', { state: 'running', detail: 'started' }],
    ['uploading', { state: 'running', detail: 'uploading' }],
    ['completed', { state: 'completed' }],
  ])('maps status %s', async (status, expected) => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: backup({ id: '9', status }) });
    expect(await dev.driver().pollBackup({ backupId: '9' })).toEqual(expected);
  });

  it('reports a failed backup with the device\'s status_message', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: backup({ id: '9', status: 'failed', status_message: 'disk full' }) });
    expect(await dev.driver().pollBackup({ backupId: '9' })).toEqual({ state: 'failed', reason: 'backup 9 failed on the device: disk full' });
  });

  it('refuses an unknown status, naming it', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: backup({ id: '9', status: 'exploded' }) });
    const error = await dev.driver().pollBackup({ backupId: '9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceProtocolError);
    expect((error as Error).message).toContain('ar11-lab: backup 9 has unknown status "exploded"');
  });

  it('refuses a 200 answer that is not JSON', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, text: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } });
    const error = await dev.driver().pollBackup({ backupId: '9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceProtocolError);
    expect((error as Error).message).toContain('answered 200 with a body that is not JSON (content-type text/html)');
    expect((error as Error).message).toContain('<html>maintenance</html>');
  });

  it('refuses JSON without a backup id', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: { status: 'completed' } });
    await expect(dev.driver().pollBackup({ backupId: '9' })).rejects.toThrow(DeviceProtocolError);
  });
});

describe('riverbed-npm-v1 driver: error statuses', () => {
  it('turns a 4xx into DeviceRejectedRequest with status, error_id and error_text', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 400, json: { error_id: 'BAD_REQUEST', error_text: 'Backup id 9 is not valid', error_info: {} } });
    const error = await dev.driver().pollBackup({ backupId: '9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceRejectedRequest);
    expect((error as DeviceRejectedRequest).status).toBe(400);
    expect((error as Error).message).toBe('ar11-lab: GET /api/npm.backup/1.0/backups/items/9 answered 400 (BAD_REQUEST: Backup id 9 is not valid)');
  });

  it('turns a 5xx into DeviceUnreachable with status and error_text', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('POST', `${API}/backups`, { status: 500, json: { error_id: 'INTERNAL_ERROR', error_text: 'backup service down' } });
    dev.on('GET', `${API}/backups`, { status: 200, json: { items: [] } });
    const error = await dev.driver().startBackup({ runId: 'r', description: RUNNER_MARKER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toContain('POST /api/npm.backup/1.0/backups answered 500 (INTERNAL_ERROR: backup service down)');
  });

  it('quotes the start of a non-JSON error body', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 502, text: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } });
    const error = await dev.driver().pollBackup({ backupId: '9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toContain('answered 502 (body "<html>Bad Gateway</html>")');
  });

  it.each([
    [409, {}, DeviceBusy],
    [429, {}, DeviceBusy],
    [400, { errorId: 'BAD_REQUEST', errorText: 'A backup is already in progress' }, DeviceBusy],
    [404, { errorId: 'NOT_FOUND', errorText: 'no backup 3' }, DeviceRejectedRequest],
    [415, {}, DeviceRejectedRequest],
    [503, {}, DeviceUnreachable],
    [302, {}, DeviceProtocolError],
  ])('maps status %i', (status, body, type) => {
    const error = errorForStatus('d', { method: 'GET', path: '/p' }, status, body as { errorId?: string; errorText?: string });
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain(`answered ${status}`);
  });
});

describe('riverbed-npm-v1 driver: openArtifact and deleteBackup', () => {
  const finished = backup({
    id: '9',
    description: `${RUNNER_MARKER} r1`,
    size: 11,
    backup_time: 1772330400,
    hostname: 'ar11',
    model: 'SCAN-AR11',
    serial: 'S123',
    sw_version: '11.14.2',
  });

  it('streams the file with the announced size, content type and device facts', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: finished });
    dev.on('GET', `${API}/backups/items/9/file`, { status: 200, text: 'hello world', headers: { 'content-type': 'application/x-gzip', 'content-length': '11' } });
    const artifact = await dev.driver().openArtifact({ backupId: '9' });
    let text = '';
    for await (const chunk of artifact.body) text += String(chunk);
    expect(text).toBe('hello world');
    expect(artifact).toMatchObject({
      size: 11,
      contentType: 'application/x-gzip',
      extension: 'tar.gz',
      device: { hostname: 'ar11', model: 'SCAN-AR11', serial: 'S123', softwareVersion: '11.14.2' },
      details: { backupId: '9', description: `${RUNNER_MARKER} r1`, backupTime: 1772330400, backupTimeIso: '2026-03-01T02:00:00.000Z' },
    });
  });

  it('defaults the content type to application/x-gzip', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: finished });
    dev.on('GET', `${API}/backups/items/9/file`, { status: 200, text: 'hello world' });
    const artifact = await dev.driver().openArtifact({ backupId: '9' });
    artifact.body.resume();
    expect(artifact.contentType).toBe('application/x-gzip');
  });

  it('fails with IntegrityError when Content-Length disagrees with the backup size', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: finished });
    dev.on('GET', `${API}/backups/items/9/file`, { status: 200, text: 'hello', headers: { 'content-length': '5' } });
    const error = await dev.driver().openArtifact({ backupId: '9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toBe('ar11-lab: backup 9: the device announced 11 bytes but the download has Content-Length 5');
  });

  it('refuses to download a backup that is not completed', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('GET', `${API}/backups/items/9`, { status: 200, json: { ...finished, status: 'started' } });
    await expect(dev.driver().openArtifact({ backupId: '9' })).rejects.toThrow(/backup 9 is started, not completed/);
  });

  it.each([204, 200, 404])('deleteBackup accepts %i', async (status) => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('DELETE', `${API}/backups/items/9`, { status });
    await expect(dev.driver().deleteBackup({ backupId: '9' })).resolves.toBeUndefined();
    expect(dev.calls.at(-1)).toMatchObject({ method: 'DELETE', path: `${API}/backups/items/9` });
  });

  it('deleteBackup reports a 5xx as DeviceUnreachable', async () => {
    const dev = fakeDevice();
    dev.tokenEndpoint();
    dev.on('DELETE', `${API}/backups/items/9`, { status: 503, json: { error_id: 'INTERNAL_ERROR', error_text: 'busy disk' } });
    await expect(dev.driver().deleteBackup({ backupId: '9' })).rejects.toThrow(DeviceUnreachable);
  });
});

describe('driverFor', () => {
  it('returns the riverbed-npm-v1 driver', () => {
    expect(driverFor('riverbed-npm-v1')).toBe(createRiverbedNpmV1Driver);
  });
  it('names an unknown type and the known ones', () => {
    expect(() => driverFor('cisco-xyz' as DeviceType)).toThrow(ConfigError);
    expect(() => driverFor('cisco-xyz' as DeviceType)).toThrow('no driver for device type "cisco-xyz"; known types: riverbed-npm-v1');
  });
});
