import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DeviceBusy, IntegrityError } from '../../../lambdas/common/errors';
import { createDeviceHttpClient } from '../../../lambdas/common/http';
import { silentLog } from '../../../lambdas/common/log';
import { riverbedNpmV2DeviceSchema } from '../../../lambdas/config/schema';
import { createRiverbedNpmV2Driver } from '../../../lambdas/drivers/riverbed-npm-v2';
import { planFiler } from '../../../lambdas/drivers/riverbed-npm-v2/filer';
import { findRunBackup, progressFromDeviceStatus, restoreProgressFromDeviceStatus } from '../../../lambdas/drivers/riverbed-npm-v2/progress';
import type { NpmV2CompletedBackup, NpmV2DeviceStatus, NpmV2Server } from '../../../lambdas/drivers/riverbed-npm-v2/responses';

const ORIGIN = 'https://ar12.example.net';
const API = '/api/npm.backup/2.0';
const HOST_KEY = `SHA256:${'A'.repeat(43)}`;

const localDevice = riverbedNpmV2DeviceSchema.parse({ id: 'ar12', type: 'riverbed-npm-v2', url: ORIGIN, secret: 'backup-runner/s', server: { name: 'local', local: true } });

const agents: MockAgent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
});

function fakeDevice() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const pool = agent.get(ORIGIN);
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  const on = (method: string, path: string, status: number, json: unknown, headers: Record<string, string> = {}) =>
    pool.intercept({ method, path }).reply((opts) => {
      calls.push({ method: opts.method, path: opts.path, body: typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined });
      return { statusCode: status, data: typeof json === 'string' ? json : JSON.stringify(json), responseOptions: { headers: { 'content-type': 'application/json', ...headers } } };
    });
  on('POST', '/api/mgmt.aaa/2.0/token', 201, { access_token: 'tok', token_type: 'bearer' });
  const http = createDeviceHttpClient(localDevice, { dispatcher: agent });
  const driver = () => createRiverbedNpmV2Driver({ device: localDevice, secret: { username: 'admin', password: 'pw' }, http, log: silentLog, now: () => new Date() });
  return { on, calls, driver };
}

const server = (fields: Partial<NpmV2Server> & { id: number; name: string }): NpmV2Server => ({ host: 'filer', port: 22, path: '/srv/b', user: 'backup', ...fields });
const wanted = { name: 'f', host: 'Filer', port: 22, path: '/srv/b/', user: 'backup' };

describe('planFiler', () => {
  it('uses a server that matches (host case and trailing slash do not matter)', () => {
    expect(planFiler([server({ id: 2, name: 'f' })], wanted)).toEqual({ action: 'use', server: server({ id: 2, name: 'f' }) });
  });
  it('creates a missing one', () => expect(planFiler([server({ id: 1, name: 'local' })], wanted)).toEqual({ action: 'create' }));
  it('names every differing field, never changes it', () => {
    const plan = planFiler([server({ id: 2, name: 'f', host: 'other', port: 2222, path: '/x', user: 'root' })], wanted);
    expect(plan.action).toBe('differs');
    expect(plan.action === 'differs' && plan.differences).toEqual([
      'host is "other" on the device, "Filer" in the config',
      'port is 2222 on the device, 22 in the config',
      'path is "/x" on the device, "/srv/b/" in the config',
      'user is "root" on the device, "backup" in the filer secret',
    ]);
  });
  it('refuses two servers of the same name', () => expect(planFiler([server({ id: 2, name: 'f' }), server({ id: 3, name: 'f' })], wanted).action).toBe('ambiguous'));
});

describe('npm.backup 2.0 progress rules', () => {
  const run = { name: 'backup-runner-abc' };
  const info = (fields: Record<string, unknown>) => ({ operation_type: 'backup', start_time: 1, status: 'started', status_message: '', ...fields });
  it.each<[string, NpmV2DeviceStatus, unknown]>([
    ['current operation with progress', { current_operation: { info: info({ name: run.name }), progress: { completed: 2, total: 5, status_message: 'Packing' } } }, { state: 'running', detail: 'step 2/5: Packing' }],
    ['latest_backup completed', { latest_backup: info({ name: run.name, status: 'completed' }) }, { state: 'completed' }],
    ['latest_backup aborted', { latest_backup: info({ name: run.name, status: 'aborted', status_message: 'disk full' }) }, { state: 'failed', reason: 'backup "backup-runner-abc" aborted on the device: disk full' }],
    ['someone else\'s latest backup', { latest_backup: info({ name: 'nightly', status: 'completed' }) }, undefined],
  ])('%s', (_name, status, expected) => expect(progressFromDeviceStatus(status, run)).toEqual(expected));

  it('finds the run in the completed list by id, else by name', () => {
    const list = [{ id: 'x', name: 'backup-runner-abc' }, { id: 'y', name: 'other' }] as NpmV2CompletedBackup[];
    expect(findRunBackup(list, run)?.id).toBe('x');
    expect(findRunBackup(list, { name: 'zzz', backupId: 'y' })?.id).toBe('y');
  });

  it('a restore counts only when latest_restore names our backup and started no earlier than a minute before we asked', () => {
    const restore = { backupId: 'u1', startedAtSeconds: 1000 };
    const latest = (fields: Record<string, unknown>) => ({ latest_restore: { operation_type: 'restore', start_time: 1000, status: 'completed', status_message: 'ok', backup_id: 'u1', ...fields } });
    expect(restoreProgressFromDeviceStatus(latest({}), restore)).toEqual({ state: 'completed', withErrors: false, detail: 'ok' });
    expect(restoreProgressFromDeviceStatus(latest({ start_time: 900 }), restore).state).toBe('running');
    expect(restoreProgressFromDeviceStatus(latest({ backup_id: 'other' }), restore).state).toBe('running');
    expect(restoreProgressFromDeviceStatus(latest({ status: 'failed', status_message: 'bad' }), restore)).toEqual({ state: 'failed', reason: 'restore of backup u1 failed on the device: bad' });
  });
});

describe('npm.backup 2.0 driver (MockAgent)', () => {
  it('starts on the configured local server with name, desc and contents', async () => {
    const d = fakeDevice();
    d.on('GET', `${API}/servers`, 200, { items: [server({ id: 1, name: 'local' })] });
    d.on('GET', `${API}/device_status`, 200, { available_backup_modules: [], available_restore_modules: [], system_id: 'x' });
    d.on('POST', `${API}/backups/server/1/start`, 202, { operation_type: 'backup', start_time: 1, status: 'started', status_message: '', backup_id: 'B-1', name: 'backup-runner-r1', server_name: 'local' });
    const handle = await d.driver().startBackup({ runId: 'r1', description: 'backup-runner r1 exec' });
    expect(handle).toEqual({ backupId: 'B-1', backupIdKnown: true, name: 'backup-runner-r1', serverId: 1, serverName: 'local', local: true });
    expect(d.calls.at(-1)?.body).toEqual({ name: 'backup-runner-r1', desc: 'backup-runner r1 exec', contents: { config_only: false } });
  });

  it('is busy while the device runs another operation', async () => {
    const d = fakeDevice();
    d.on('GET', `${API}/servers`, 200, { items: [server({ id: 1, name: 'local' })] });
    d.on('GET', `${API}/device_status`, 200, { current_operation: { info: { operation_type: 'restore', status_message: 'restoring' } } });
    await expect(d.driver().startBackup({ runId: 'r', description: 'd' })).rejects.toThrow(DeviceBusy);
  });

  it('a configured local server the device lacks is a config error listing what it has', async () => {
    const d = fakeDevice();
    d.on('GET', `${API}/servers`, 200, { items: [server({ id: 7, name: 'filer-a' })] });
    await expect(d.driver().startBackup({ runId: 'r', description: 'd' })).rejects.toThrow(ConfigError);
  });

  it('refuses a download whose Content-Length disagrees with the announced size', async () => {
    const d = fakeDevice();
    const backup = { id: 'B-1', name: 'backup-runner-r1', server_id: 1, status: 'completed', size: 10, contents: { config_only: true } };
    d.on('GET', `${API}/completed_backups/server/1/items/B-1`, 200, backup);
    d.on('GET', `${API}/completed_backups/server/1/items/B-1/file`, 200, '0123456789AB', { 'content-type': 'application/x-gzip', 'content-length': '12' });
    const handle = { backupId: 'B-1', backupIdKnown: true, name: 'backup-runner-r1', serverId: 1, serverName: 'local', local: true };
    await expect(d.driver().openArtifact(handle)).rejects.toThrow(IntegrityError);
  });
});

describe('npm.backup 2.0 config', () => {
  const base = { id: 'ar12', type: 'riverbed-npm-v2', url: ORIGIN, secret: 'backup-runner/s' };
  it('a remote filer needs host, path, hostKey and secret; a local server takes none of them', () => {
    const remote = riverbedNpmV2DeviceSchema.safeParse({ ...base, server: { name: 'f', host: 'h' } });
    expect(remote.success).toBe(false);
    expect(remote.error?.issues.map((i) => i.path.join('.'))).toEqual(['server.path', 'server.hostKey', 'server.secret']);
    expect(riverbedNpmV2DeviceSchema.safeParse({ ...base, server: { name: 'local', local: true, host: 'h' } }).success).toBe(false);
    const ok = riverbedNpmV2DeviceSchema.parse({ ...base, server: { name: 'f', host: 'h', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } });
    expect(ok.server).toMatchObject({ port: 22, local: false, removeAfterArchive: true });
    expect(ok.contents).toEqual({ configOnly: false });
  });
});
