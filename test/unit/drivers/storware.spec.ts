import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationFailed, DeviceBusy, DeviceProtocolError, DeviceUnreachable, SecretError } from '../../../lambdas/common/errors';
import { createDeviceHttpClient } from '../../../lambdas/common/http';
import { silentLog } from '../../../lambdas/common/log';
import { storwareDeviceSchema } from '../../../lambdas/config/schema';
import { createStorwareDriver } from '../../../lambdas/drivers/storware';
import { decodeRunHandle, encodeRunHandle } from '../../../lambdas/drivers/storware/handle';
import { backupPhase, combineProgress, taskPhase } from '../../../lambdas/drivers/storware/progress';
import { parseBackupRecord, parseTask } from '../../../lambdas/drivers/storware/responses';
import { cookieHeaderFrom } from '../../../lambdas/drivers/storware/session';

const ORIGIN = 'https://storware.example.net:8181';
const E1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const E2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const NOW = new Date('2026-11-22T02:00:00Z');

const device = storwareDeviceSchema.parse({
  id: 'storware-prod',
  type: 'storware',
  url: ORIGIN,
  secret: 'backup-runner/storware',
  protectedEntities: [E1, E2],
  backupType: 'INCREMENTAL',
  backupDestination: 'dddddddd-0000-4000-8000-000000000001',
  poll: { intervalSeconds: 15, maxIntervalSeconds: 60, timeoutMinutes: 60 },
});

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

const agents: MockAgent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
});

function fakeServer(secret: unknown = { login: 'admin', password: 'pw' }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const pool = agent.get(ORIGIN);
  const calls: Call[] = [];
  let sessions = 0;
  const on = (method: string, path: string | RegExp, reply: Reply | ((call: Call) => Reply), times = 1) => {
    pool
      .intercept({ method, path: typeof path === 'string' ? path : (p: string) => path.test(p) })
      .reply((opts) => {
        const call: Call = {
          method: opts.method,
          path: opts.path,
          headers: Object.fromEntries(Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)])),
          body: typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined,
        };
        calls.push(call);
        const r = typeof reply === 'function' ? reply(call) : reply;
        return { statusCode: r.status, data: r.json === undefined ? '' : JSON.stringify(r.json), responseOptions: { headers: { 'content-type': 'application/json', ...r.headers } } };
      })
      .times(times);
  };
  const login = (times = 1) =>
    on('POST', '/api/session/login', () => ({ status: 200, json: { login: 'admin' }, headers: { 'set-cookie': `JSESSIONID=s${++sessions}; Path=/api; HttpOnly` } }), times);
  const http = createDeviceHttpClient(device, { dispatcher: agent });
  const driver = () => createStorwareDriver({ device, secret, http, log: silentLog, now: () => NOW });
  return { on, login, calls, driver };
}

const task = (guid: string, state: string, extra: Record<string, unknown> = {}) => ({ guid, state: { name: state, description: state }, ...extra });
const record = (guid: string, status: string, extra: Record<string, unknown> = {}) => ({ guid, status: { name: status, description: status }, snapshotTime: 1, ...extra });
const handle = encodeRunHandle({ startedAt: NOW.getTime(), tasks: [{ entity: E1, task: 't1' }, { entity: E2, task: 't2' }] });

describe('storware driver: session', () => {
  it('logs in with the "login" field and sends the session cookie back', async () => {
    const s = fakeServer();
    s.login();
    s.on('GET', '/api/tasks/t1', { status: 200, json: task('t1', 'RUNNING', { progress: 40 }) });
    s.on('GET', '/api/tasks/t2', { status: 200, json: task('t2', 'QUEUED') });
    expect(await s.driver().pollBackup(handle)).toEqual({ state: 'running', detail: `0/2 done; ${E1}: task running 40%, ${E2}: task queued` });
    expect(s.calls[0]!.body).toEqual({ login: 'admin', password: 'pw' });
    expect(s.calls[1]!.headers.cookie).toBe('JSESSIONID=s1');
  });

  it('logs in again once on a 401 and repeats the request with the new cookie', async () => {
    const s = fakeServer();
    s.login(2);
    s.on('GET', '/api/tasks/t1', { status: 401, json: { message: 'session expired' } });
    s.on('GET', '/api/tasks/t1', { status: 200, json: task('t1', 'RUNNING') });
    s.on('GET', '/api/tasks/t2', { status: 200, json: task('t2', 'RUNNING') });
    expect((await s.driver().pollBackup(handle)).state).toBe('running');
    expect(s.calls.map((c) => c.path)).toEqual(['/api/session/login', '/api/tasks/t1', '/api/session/login', '/api/tasks/t1', '/api/tasks/t2']);
    expect(s.calls[3]!.headers.cookie).toBe('JSESSIONID=s2');
  });

  it('a second 401 right after a fresh login is AuthenticationFailed; a refused login too', async () => {
    const s = fakeServer();
    s.login(2);
    s.on('GET', '/api/tasks/t1', { status: 401, json: { message: 'no' } }, 2);
    await expect(s.driver().pollBackup(handle)).rejects.toThrow(AuthenticationFailed);

    const t = fakeServer();
    t.on('POST', '/api/session/login', { status: 401, json: { message: 'Invalid login or password' } });
    await expect(t.driver().pollBackup(handle)).rejects.toThrow(/refused the credentials in secret "backup-runner\/storware" \(Invalid login or password\)/);
  });

  it('a login that sets no cookie is refused clearly', async () => {
    const s = fakeServer();
    s.on('POST', '/api/session/login', { status: 200, json: {} });
    await expect(s.driver().pollBackup(handle)).rejects.toThrow(/set no session cookie/);
  });

  it('checks the secret fields and hints at "login" when given "username"', () => {
    const s = fakeServer({ username: 'admin', password: 'pw' });
    expect(() => s.driver()).toThrow(SecretError);
    expect(() => s.driver()).toThrow(/lacks field "login".*rename "username"/);
  });

  it('keeps name=value pairs of Set-Cookie, drops attributes, later values win', () => {
    expect(cookieHeaderFrom(['JSESSIONID=a; Path=/api; HttpOnly', 'lb=x; Secure', 'JSESSIONID=b'])).toBe('JSESSIONID=b; lb=x');
    expect(cookieHeaderFrom(undefined)).toBe('');
  });
});

describe('storware driver: backup', () => {
  it('starts one export task per protected entity with the configured type, destination and window', async () => {
    const s = fakeServer();
    s.login();
    s.on('POST', '/api/tasks/export', (c) => ({ status: 200, json: [task(`task-${(c.body as { protectedEntities: Array<{ guid: string }> }).protectedEntities[0]!.guid.slice(-1)}`, 'QUEUED')] }), 2);
    const started = await s.driver().startBackup({ runId: 'abc', description: 'backup-runner abc' });
    expect(started).toEqual({ backupId: 'task-1,task-2', startedAt: NOW.getTime(), [`task:${E1}`]: 'task-1', [`task:${E2}`]: 'task-2' });
    expect(s.calls[1]!.body).toEqual({
      protectedEntities: [{ guid: E1 }],
      backupType: { name: 'INCREMENTAL' },
      windowStart: NOW.getTime(),
      windowEnd: NOW.getTime() + 60 * 60_000,
      backupDestination: { guid: 'dddddddd-0000-4000-8000-000000000001' },
    });
    expect(decodeRunHandle(started, 'x').tasks).toEqual([{ entity: E1, task: 'task-1' }, { entity: E2, task: 'task-2' }]);
  });

  it('is completed only when every entity has a SUCCESS backup; PARTIAL_SUCCESS fails with the reason', async () => {
    const s = fakeServer();
    s.login();
    s.on('GET', '/api/tasks/t1', { status: 200, json: task('t1', 'FINISHED', { backup: { guid: 'b1' } }) });
    s.on('GET', '/api/backups/b1', { status: 200, json: record('b1', 'SUCCESS') });
    s.on('GET', '/api/tasks/t2', { status: 200, json: task('t2', 'FINISHED', { backup: { guid: 'b2' } }) });
    s.on('GET', '/api/backups/b2', { status: 200, json: record('b2', 'PARTIAL_SUCCESS', { statusInfo: 'disk 2 skipped', warnings: ['disk 2 skipped', 'snapshot slow'] }) });
    expect(await s.driver().pollBackup(handle)).toEqual({
      state: 'failed',
      reason: `entity ${E2}: backup b2 ended PARTIAL_SUCCESS (disk 2 skipped; snapshot slow); not archived as good`,
    });
  });

  it.each([
    [503, DeviceUnreachable],
    [409, DeviceBusy],
  ])('maps %i to %o', async (status, type) => {
    const s = fakeServer();
    s.login();
    s.on('POST', '/api/tasks/export', { status, json: { message: 'An export is already running' } });
    await expect(s.driver().startBackup({ runId: 'r', description: 'd' })).rejects.toThrow(type);
  });

  it('an unknown task state is a protocol error naming it', async () => {
    const s = fakeServer();
    s.login();
    s.on('GET', '/api/tasks/t1', { status: 200, json: task('t1', 'EXPLODED') });
    await expect(s.driver().pollBackup(handle)).rejects.toThrow(DeviceProtocolError);
  });

  it('deleteBackup touches nothing: Storware retention owns its backups', async () => {
    const s = fakeServer();
    await s.driver().deleteBackup(handle);
    expect(s.calls).toEqual([]);
  });
});

describe('storware status rules', () => {
  const t = (state: string, extra = {}) => parseTask(task('t', state, extra), 'd', 'x');
  const b = (status: string, extra = {}) => parseBackupRecord(record('b', status, extra), 'd', 'x');
  it.each([
    ['QUEUED', 'running'],
    ['RUNNING', 'running'],
    ['FINISHED', 'finished'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'failed'],
    ['WHAT', 'unknown'],
  ])('task %s -> %s', (state, phase) => expect(taskPhase(t(state)).phase).toBe(phase));

  it.each([
    ['INPROGRESS', 'running'],
    ['QUEUED', 'running'],
    ['SUCCESS', 'success'],
    ['PARTIAL_SUCCESS', 'failed'],
    ['FAILED', 'failed'],
    ['SUCCESS_REMOVED', 'failed'],
    ['ODD', 'unknown'],
  ])('backup %s -> %s', (status, phase) => expect(backupPhase(b(status), []).phase).toBe(phase));

  it('accepts plain-string enums and combines entities', () => {
    expect(parseTask({ guid: 'x', state: 'finished' }, 'd', 'x').stateName).toBe('FINISHED');
    expect(combineProgress([{ entity: 'a', progress: { state: 'completed' } }, { entity: 'b', progress: { state: 'completed' } }])).toEqual({ state: 'completed', detail: '2 backups SUCCESS' });
  });
});

describe('storware config', () => {
  const base = { id: 's', type: 'storware', url: ORIGIN, secret: 'backup-runner/x', protectedEntities: [E1] };
  it('defaults to FULL and needs exactly one restore target', () => {
    expect(storwareDeviceSchema.parse(base).backupType).toBe('FULL');
    expect(storwareDeviceSchema.safeParse({ ...base, restore: {} }).success).toBe(false);
    expect(storwareDeviceSchema.safeParse({ ...base, restore: { hypervisor: E1, hypervisorManager: E2 } }).success).toBe(false);
    expect(storwareDeviceSchema.parse({ ...base, restore: { hypervisorManager: E2 } }).restore).toEqual({ hypervisorManager: E2, overwrite: false });
  });
  it('refuses an empty or repeated entity list', () => {
    expect(storwareDeviceSchema.safeParse({ ...base, protectedEntities: [] }).success).toBe(false);
    expect(storwareDeviceSchema.safeParse({ ...base, protectedEntities: [E1, E1] }).success).toBe(false);
  });
});
