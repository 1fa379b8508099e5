import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceHttpClient } from '../../../lambdas/common/http';
import { silentLog } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import type { DeviceConfig } from '../../../lambdas/config/schema';
import { driverFor } from '../../../lambdas/drivers/registry';
import { createQRadarDriver } from '../../../lambdas/drivers/qradar';
import { qradarErrorFor } from '../../../lambdas/drivers/qradar/device-errors';
import { isValidQRadarName, qradarBackupName } from '../../../lambdas/drivers/qradar/names';
import { backupProgressOf, parseConfigurationId } from '../../../lambdas/drivers/qradar/responses';
import { createFlowGatewayDriver } from '../../../lambdas/drivers/riverbed-flow-gateway';
import { resolveSubdir } from '../../../lambdas/drivers/riverbed-flow-gateway/subdir';
import { isThisRun } from '../../../lambdas/drivers/riverbed-flow-gateway/this-run';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const FG_ORIGIN = 'https://fg.example.net';
const QR_ORIGIN = 'https://qradar.example.net';

const config = parseConfig({
  archive: { bucket: 'b-1' },
  devices: [
    { id: 'fg1', type: 'riverbed-flow-gateway', url: FG_ORIGIN, secret: 'backup-runner/fg', landing: { host: '10.0.0.9', path: '/srv/backups/fg1', hostKey: HOST_KEY, secret: 'backup-runner/landing' } },
    { id: 'qr1', type: 'qradar', url: QR_ORIGIN, secret: 'backup-runner/qr', ssh: { hostKey: HOST_KEY } },
  ],
});
const fgDevice = config.devices[0] as DeviceConfig;
const qrDevice = config.devices[1] as DeviceConfig;

const agents: MockAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
});

function mock(origin: string) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  return { agent, pool: agent.get(origin) };
}

const landingSecret = { username: 'backup', password: 'landing-pw' };
const fgSecret = { username: 'admin', password: 'admin-pw', securityPassword: 'enc-key' };

function fgDriver(agent: MockAgent, secret: unknown = fgSecret, landing: unknown = landingSecret) {
  return createFlowGatewayDriver({
    device: fgDevice,
    secret,
    readSecret: async () => landing,
    http: createDeviceHttpClient(fgDevice, { dispatcher: agent }),
    log: silentLog,
    now: () => new Date('2026-02-27T15:46:00Z'),
  });
}

const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };
const status = (running: object, last: object = {}) => [{ last_successful: last, running }];

describe('config', () => {
  it('validates the two SSH device types and their defaults', () => {
    expect(fgDevice).toMatchObject({ landing: { port: 22, removeAfterArchive: true } });
    expect(qrDevice).toMatchObject({ backupType: 'CONFIG', ssh: { port: 22 }, removeAfterArchive: false });
    expect(driverFor('riverbed-flow-gateway')).toBe(createFlowGatewayDriver);
    expect(driverFor('qradar')).toBe(createQRadarDriver);
  });

  it.each([
    [{ landing: { host: 'h', path: 'relative', hostKey: HOST_KEY, secret: 'backup-runner/s' } }, /devices\[0\]\.landing\.path: must be an absolute path/],
    [{ landing: { host: 'h', path: '/x', hostKey: 'AB:CD', secret: 'backup-runner/s' } }, /devices\[0\]\.landing\.hostKey: must be an OpenSSH SHA-256 host key fingerprint/],
  ])('refuses %j', (fields, message) => {
    expect(() => parseConfig({ archive: {}, devices: [{ id: 'fg1', type: 'riverbed-flow-gateway', url: FG_ORIGIN, secret: 'backup-runner/s', ...fields }] })).toThrow(message);
  });

  it('refuses a QRadar backupType other than CONFIG or DATA', () => {
    expect(() => parseConfig({ archive: {}, devices: [{ id: 'q', type: 'qradar', url: QR_ORIGIN, secret: 'backup-runner/s', ssh: { hostKey: HOST_KEY }, backupType: 'FULL' }] })).toThrow(/devices\[0\]\.backupType/);
  });
});

describe('Flow Gateway driver (MockAgent)', () => {
  const API = '/api/mgmt.gateway_backup/1.0';

  it('starts only when nothing runs, with Basic auth and the landing account in the body', async () => {
    const { agent, pool } = mock(FG_ORIGIN);
    let posted: Record<string, string> | undefined;
    let authorization: string | undefined;
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(200, status({ status: 'completed' }, { subdir: '/srv/backups/fg1/old' }), JSON_HEADERS);
    pool.intercept({ method: 'POST', path: `${API}/backup` }).reply((opts) => {
      posted = JSON.parse(String(opts.body));
      authorization = (opts.headers as Record<string, string>).Authorization;
      return { statusCode: 204, data: '' };
    });
    const handle = await fgDriver(agent).startBackup({ runId: 'r1', description: 'x' });
    expect(handle).toEqual({ backupId: 'fg-r1', previousSubdir: '/srv/backups/fg1/old', startedAtMs: Date.parse('2026-02-27T15:46:00Z'), previousTimeStamp: null, previousStatus: 'COMPLETED' });
    expect(posted).toEqual({ hostname: '10.0.0.9', username: 'backup', password: 'landing-pw', path: '/srv/backups/fg1', security_pwd: 'enc-key' });
    expect(authorization).toBe(`Basic ${Buffer.from('admin:admin-pw').toString('base64')}`);
  });

  it('a running backup (any case) makes the gateway busy; nothing is posted', async () => {
    const { agent, pool } = mock(FG_ORIGIN);
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(200, status({ status: 'Executing', host: 'other', path: '/p' }), JSON_HEADERS);
    await expect(fgDriver(agent).startBackup({ runId: 'r1', description: 'x' })).rejects.toMatchObject({ name: 'DeviceBusy', message: /fg1: a backup .* is still running/ });
  });

  it.each([
    [{ status: 'EXECUTING', message: 'copying' }, {}, { state: 'running', detail: 'copying' }],
    [{ status: 'error', message: 'disk full' }, {}, { state: 'failed', reason: 'the gateway reports the backup failed: disk full' }],
    [
      { status: 'Completed', message: 'ntp warning' },
      { subdir: '/srv/backups/fg1/20260227_1546' },
      { state: 'completed', detail: 'ntp warning', handle: { subdir: '/srv/backups/fg1/20260227_1546', subdirTimeStamp: null } },
    ],
  ])('poll %j -> %j', async (running, last, progress) => {
    const { agent, pool } = mock(FG_ORIGIN);
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(200, status(running, last), JSON_HEADERS);
    expect(await fgDriver(agent).pollBackup({ backupId: 'fg-r1', previousSubdir: '/srv/backups/fg1/old' })).toEqual(progress);
  });

  const START = Date.parse('2026-02-27T15:46:00Z');
  it.each([
    ['NONE', { status: 'NONE' }, { startedAtMs: START, previousTimeStamp: null }, false],
    ["the earlier run's finished status, as shown before the POST", { status: 'COMPLETED', timeStamp: 1772206000 }, { startedAtMs: START, previousTimeStamp: '1772206000' }, false],
    ['a run older than the start beyond the clock allowance', { status: 'ERROR', timeStamp: START / 1000 - 601 }, { startedAtMs: START, previousTimeStamp: null }, false],
    ['this run on a gateway clock 9 minutes behind', { status: 'EXECUTING', timeStamp: START / 1000 - 540 }, { startedAtMs: START, previousTimeStamp: '1772206000' }, true],
    ['this run on a gateway clock ahead', { status: 'COMPLETED', timeStamp: String(START / 1000 + 3600) }, { startedAtMs: START, previousTimeStamp: null }, true],
    ['any status of a handle from before run markers', { status: 'ERROR', timeStamp: 1 }, undefined, true],
    // timeStamp has whole seconds: a re-run within the second of a fast failure shows the same one.
    ['this run, started within the second the failed one did (status changed)', { status: 'EXECUTING', timeStamp: 1772206000 }, { startedAtMs: START, previousTimeStamp: '1772206000', previousStatus: 'ERROR' }, true],
    ['this run completed within that second (status changed)', { status: 'COMPLETED', timeStamp: 1772206000 }, { startedAtMs: START, previousTimeStamp: '1772206000', previousStatus: 'ERROR' }, true],
    ['the earlier run, same second and same status', { status: 'ERROR', timeStamp: 1772206000 }, { startedAtMs: START, previousTimeStamp: '1772206000', previousStatus: 'ERROR' }, false],
    ['the same timeStamp in a handle that kept no status', { status: 'EXECUTING', timeStamp: 1772206000 }, { startedAtMs: START, previousTimeStamp: '1772206000' }, false],
  ])('isThisRun: %s', (_what, running, marker, expected) => {
    expect(isThisRun(running, marker, 'fg1', 'GET /backup')).toBe(expected);
  });

  it('isThisRun: a status without a timeStamp cannot be told apart, a protocol error', () => {
    expect(() => isThisRun({ status: 'COMPLETED' }, { startedAtMs: START, previousTimeStamp: null }, 'fg1', 'GET /backup')).toThrow(/without a timeStamp/);
  });

  it('COMPLETED without a new directory is a protocol error', async () => {
    const { agent, pool } = mock(FG_ORIGIN);
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(200, status({ status: 'COMPLETED' }, { subdir: '/srv/backups/fg1/old' }), JSON_HEADERS);
    await expect(fgDriver(agent).pollBackup({ backupId: 'fg-r1', previousSubdir: '/srv/backups/fg1/old' })).rejects.toMatchObject({ name: 'DeviceProtocolError' });
  });

  it('wrong gateway credentials are an authentication failure', async () => {
    const { agent, pool } = mock(FG_ORIGIN);
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(401, { error_id: 'AUTH_INVALID_CREDENTIALS', error_text: 'bad' }, JSON_HEADERS);
    await expect(fgDriver(agent).pollBackup({ backupId: 'x', previousSubdir: null })).rejects.toMatchObject({ name: 'AuthenticationFailed' });
  });

  it('needs securityPassword in the device secret and a password in the landing secret', async () => {
    const { agent } = mock(FG_ORIGIN);
    expect(() => fgDriver(agent, { username: 'a', password: 'b' })).toThrow(/lacks field "securityPassword".*cannot restore without it/);
    const { agent: agent2, pool } = mock(FG_ORIGIN);
    pool.intercept({ method: 'GET', path: `${API}/backup` }).reply(200, status({ status: 'NONE' }), JSON_HEADERS);
    await expect(fgDriver(agent2, fgSecret, { username: 'backup', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----' }).startBackup({ runId: 'r', description: 'd' })).rejects.toMatchObject({
      name: 'SecretError',
      message: /lacks field "password": the Flow Gateway logs in to the landing host with a password/,
    });
  });

  it.each([
    ['/srv/backups/fg1/20260227_1546', '/srv/backups/fg1/20260227_1546'],
    ['srv/backups/fg1/20260227_1546', '/srv/backups/fg1/20260227_1546'],
    ['path/to/store/backup/directory/backup_name', '/srv/backups/fg1/backup_name'],
  ])('subdir %s is %s on the landing host', (subdir, resolved) => expect(resolveSubdir('/srv/backups/fg1', subdir, 'fg1')).toBe(resolved));

  it.each(['/etc', '/srv/backups/fg1', '/srv/backups/fg1/../x'])('subdir %s outside the landing path is refused', (subdir) => {
    expect(() => resolveSubdir('/srv/backups/fg1', subdir, 'fg1')).toThrow(/not inside the landing path/);
  });
});

describe('QRadar driver (MockAgent)', () => {
  const qrSecret = { token: 'tok', sshUsername: 'backup', sshPassword: 'pw' };
  const qrDriver = (agent: MockAgent) =>
    createQRadarDriver({ device: qrDevice, secret: qrSecret, http: createDeviceHttpClient(qrDevice, { dispatcher: agent }), log: silentLog, now: () => new Date('2026-02-27T15:46:00Z') });

  it('looks the configuration up and posts a named backup with SEC, Version 20.0 and backup_type', async () => {
    const { agent, pool } = mock(QR_ORIGIN);
    const seen: Record<string, string>[] = [];
    pool.intercept({ method: 'GET', path: '/api/config/backup_and_restore/scheduled_backup_configurations' }).reply((opts) => {
      seen.push(opts.headers as Record<string, string>);
      return { statusCode: 200, data: [{ id: 7 }], responseOptions: JSON_HEADERS };
    });
    let body: Record<string, unknown> | undefined;
    pool.intercept({ method: 'POST', path: '/api/backup_and_restore/backups' }).reply((opts) => {
      seen.push(opts.headers as Record<string, string>);
      body = JSON.parse(String(opts.body));
      return { statusCode: 201, data: { id: 42, status: 'INITIALIZING' }, responseOptions: JSON_HEADERS };
    });
    const handle = await qrDriver(agent).startBackup({ runId: 'abc123', description: 'backup-runner abc123' });
    expect(handle).toEqual({ backupId: '42', name: 'backup-runner_abc123_20260227T154600Z' });
    expect(body).toEqual({ name: 'backup-runner_abc123_20260227T154600Z', description: 'backup-runner abc123', configuration_id: 7 });
    for (const headers of seen) expect(headers).toMatchObject({ SEC: 'tok', Version: '20.0', Accept: 'application/json' });
    expect(seen[1]).toMatchObject({ backup_type: 'CONFIG' });
  });

  it('422 is a rejected request carrying the console message', async () => {
    const { agent, pool } = mock(QR_ORIGIN);
    pool.intercept({ method: 'GET', path: '/api/config/backup_and_restore/scheduled_backup_configurations' }).reply(200, [{ id: 1 }], JSON_HEADERS);
    pool.intercept({ method: 'POST', path: '/api/backup_and_restore/backups' }).reply(422, { code: 1014, message: 'The host is not configured for data backups.' }, JSON_HEADERS);
    await expect(qrDriver(agent).startBackup({ runId: 'r', description: 'd' })).rejects.toMatchObject({
      name: 'DeviceRejectedRequest',
      status: 422,
      message: /qr1: .*code 1014: The host is not configured for data backups/,
    });
  });

  it.each([
    [409, 1011, 'DeviceRejectedRequest'],
    [409, 1015, 'DeviceBusy'],
    [409, 1016, 'DeviceBusy'],
    [409, 1005, 'DeviceRejectedRequest'],
    [422, 1004, 'DeviceRejectedRequest'],
    [401, undefined, 'AuthenticationFailed'],
    [403, undefined, 'AuthenticationFailed'],
    [503, undefined, 'DeviceUnreachable'],
  ])('%i code %s -> %s', (statusCode, code, name) => {
    expect(qradarErrorFor('qr1', { method: 'POST', path: '/p' }, statusCode, code === undefined ? {} : { code, message: 'm' }).name).toBe(name);
  });

  it.each([
    [{ status: 'INITIALIZING' }, 'running'],
    [{ status: 'IN_PROGRESS' }, 'running'],
    [{ status: 'SUCCESS', is_valid: true }, 'completed'],
    [{ status: 'SUCCESS', is_valid: false }, 'failed'],
    [{ status: 'FAILED' }, 'failed'],
    [{ status: 'MISSING' }, 'failed'],
    [{ status: 'DELETING' }, 'failed'],
  ])('backup %j is %s', (fields, state) => {
    expect(backupProgressOf({ id: 1, ...fields } as Parameters<typeof backupProgressOf>[0], 'qr1').state).toBe(state);
  });

  it('an unknown backup status is a protocol error', () => {
    expect(() => backupProgressOf({ id: 1, status: 'EXPLODED' } as Parameters<typeof backupProgressOf>[0], 'qr1')).toThrow(/unknown status "EXPLODED"/);
  });

  it('reads the configuration id from a list or an object, and needs one', () => {
    expect(parseConfigurationId([{ id: 1 }], 'qr1', 'x')).toBe(1);
    expect(parseConfigurationId({ id: '3' }, 'qr1', 'x')).toBe(3);
    expect(() => parseConfigurationId([], 'qr1', 'x')).toThrow(/no backup configuration/);
  });

  it('names follow the API rules, also with suffixes', () => {
    const at = new Date('2026-02-27T15:46:00Z');
    expect(qradarBackupName('r1', at)).toBe('backup-runner_r1_20260227T154600Z');
    expect(qradarBackupName('r1', at, 2)).toBe('backup-runner_r1_20260227T154600Z-3');
    const long = qradarBackupName('x'.repeat(120), at, 1);
    expect(long).toHaveLength(100);
    expect(long.endsWith('-2')).toBe(true);
    expect(isValidQRadarName(long)).toBe(true);
    expect(isValidQRadarName(qradarBackupName('we/ird id', at))).toBe(true);
  });

  it('restore refuses DATA backups and other device types', async () => {
    const { agent } = mock(QR_ORIGIN);
    const facts = { deviceType: 'qradar', device: {}, size: 1, sha256: 'a'.repeat(64), contentType: 'application/gzip', details: { type: 'DATA', contentFilePath: '/store/backup/x.tgz' } };
    expect(await qrDriver(agent).restore!.checkCompatibility(facts, { force: true })).toEqual(['only CONFIG backups can be restored through the API; this one is DATA']);
    expect(await qrDriver(agent).restore!.checkCompatibility({ ...facts, deviceType: 'storware', details: { type: 'CONFIG', contentFilePath: '/x' } }, { force: false })).toHaveLength(1);
  });
});
