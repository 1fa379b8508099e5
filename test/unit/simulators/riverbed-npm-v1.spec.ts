import { createHash, X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contentChunks, contentStream } from '../../../simulators/common/content';
import {
  expectedBackupDigest,
  startNpmV1Simulator,
  type NpmV1Simulator,
  type NpmV1SimulatorOptions,
} from '../../../simulators/riverbed-npm-v1/index';

const API = '/api/npm.backup/1.0';
const MiB = 1024 * 1024;

/** A simulator plus a client bound to it; everything is closed after each test. */
interface Harness {
  sim: NpmV1Simulator;
  agent: Agent;
  call(method: string, path: string, init?: { token?: string; body?: string | Buffer | Readable; headers?: Record<string, string> }): Promise<Answer>;
  login(): Promise<string>;
}
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  json(): Promise<Record<string, unknown>>;
  text(): Promise<string>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.agent.close().catch(() => {});
    await h.sim.close();
  }
});

async function harness(options: NpmV1SimulatorOptions = {}): Promise<Harness> {
  const sim = await startNpmV1Simulator(options);
  const agent = new Agent(sim.caPem ? { connect: { ca: sim.caPem } } : {});
  const call: Harness['call'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = await request(`${sim.url}${path}`, { method: method as 'GET', headers, body: init.body ?? null, dispatcher: agent });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      json: () => res.body.json() as Promise<Record<string, unknown>>,
      text: () => res.body.text(),
    };
  };
  const login = async (): Promise<string> => {
    const res = await call('POST', `/api/mgmt.aaa/${options.tokenApi ?? '2.0'}/token`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_credentials: { username: options.username ?? 'admin', password: options.password ?? 'admin' }, generate_refresh_token: false }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.access_token as string;
  };
  const h = { sim, agent, call, login };
  open.push(h);
  return h;
}

const loginBody = (username = 'admin', password = 'admin'): string =>
  JSON.stringify({ user_credentials: { username, password }, generate_refresh_token: false });

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}

async function readAll(body: AsyncIterable<Buffer>): Promise<{ bytes: number; sha256: string; error?: unknown }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    return { bytes, sha256: hash.digest('hex'), error };
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function createCompletedBackup(h: Harness, token: string, description = 'runner test'): Promise<string> {
  const res = await h.call('POST', `${API}/backups`, { token, body: JSON.stringify({ description }), headers: { 'content-type': 'application/json' } });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id as string;
}

describe('npm.backup 1.0 simulator: login', () => {
  it('issues bearer tokens on mgmt.aaa 2.0 and answers 404 on 1.0 by default', async () => {
    const h = await harness();
    const res = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody() });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
    const expiresAt = body.expires_at as number;
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + 800);
    expect(expiresAt).toBeLessThan(Date.now() / 1000 + 1000);

    const old = await h.call('POST', '/api/mgmt.aaa/1.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody() });
    expect(old.status).toBe(404);
    expect(await old.json()).toMatchObject({ error_id: expect.any(String), error_text: expect.stringContaining('2.0') });
  });

  it('serves only mgmt.aaa 1.0 when tokenApi is 1.0', async () => {
    const h = await harness({ tokenApi: '1.0' });
    const v2 = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody() });
    expect(v2.status).toBe(404);
    await v2.body.dump();
    const token = await h.login();
    expect((await h.call('GET', `${API}/backups`, { token })).status).toBe(200);
  });

  it.each(['application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'])('answers 415 to Content-Type %s', async (contentType) => {
    const h = await harness();
    const res = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': contentType }, body: loginBody() });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error_id: 'BAD_REQUEST', error_info: {} });
  });

  it('rejects wrong credentials with AUTH_INVALID_CREDENTIALS and honours custom credentials', async () => {
    const h = await harness({ username: 'backup', password: 's3cret' });
    const bad = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody('admin', 'admin') });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error_id: 'AUTH_INVALID_CREDENTIALS', error_text: expect.any(String), error_info: {} });
    const good = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody('backup', 's3cret') });
    expect(good.status).toBe(201);
    await good.body.dump();
  });

  it('requires a valid bearer token on every npm.backup call', async () => {
    const h = await harness();
    for (const token of [undefined, 'not-a-token']) {
      const res = await h.call('GET', `${API}/backups`, token ? { token } : {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error_id: 'AUTH_REQUIRED' });
    }
  });

  it('answers GET /api/common/1.0/info without auth', async () => {
    const h = await harness({ hostname: 'ar11-lab', model: 'SCAN-AR11-VE', serial: 'ABC123', swVersion: '11.12.1' });
    const res = await h.call('GET', '/api/common/1.0/info');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ hostname: 'ar11-lab', model: 'SCAN-AR11-VE', serial: 'ABC123', sw_version: '11.12.1' });
  });
});

describe('npm.backup 1.0 simulator: backups', () => {
  it('keeps at most two backups, counting ones made by someone else', async () => {
    const h = await harness({ existingBackups: [{ description: 'made by the admin', backup_time: 1_700_000_000 }], backupDurationMs: 0 });
    const token = await h.login();
    const listed = await (await h.call('GET', `${API}/backups`, { token })).json();
    expect(listed.items).toEqual([expect.objectContaining({ description: 'made by the admin', backup_time: 1_700_000_000, status: 'completed' })]);

    const second = await createCompletedBackup(h, token);
    const third = await h.call('POST', `${API}/backups`, { token, body: '{"description":"one too many"}' });
    expect(third.status).toBe(400);
    const error = await third.json();
    expect(error.error_id).toBe('BAD_REQUEST');
    expect(error.error_text).toMatch(/maximum of 2 backups/);

    const deleted = await h.call('DELETE', `${API}/backups/items/${second}`, { token });
    expect(deleted.status).toBe(204);
    expect((await h.call('GET', `${API}/backups/items/${second}`, { token })).status).toBe(404);
    expect((await h.call('DELETE', `${API}/backups/items/${second}`, { token })).status).toBe(404);
    await createCompletedBackup(h, token, 'fits again');
    expect(h.sim.backups().map((b) => b.description)).toEqual(['made by the admin', 'fits again']);
  });

  it('reports started, then completed with a size once backupDurationMs has passed', async () => {
    const h = await harness({ backupDurationMs: 300, backupSize: 12_345, hostname: 'ar11-lab', swVersion: '11.9.0' });
    const token = await h.login();
    const created = await h.call('POST', `${API}/backups`, { token, body: '{"description":"nightly"}', headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const backup = await created.json();
    expect(backup).toMatchObject({ status: 'started', description: 'nightly', hostname: 'ar11-lab', sw_version: '11.9.0', model: expect.any(String), serial: expect.any(String) });
    // The device's own clock, two minutes behind by default (clockSkewMs).
    expect(backup.backup_time).toBeCloseTo(Date.now() / 1000 - 120, -1);
    expect(backup).not.toHaveProperty('size');

    const early = await h.call('GET', `${API}/backups/items/${backup.id}/file`, { token });
    expect(early.status).toBe(409);
    expect((await early.json()).error_text).toMatch(/not completed/);

    await sleep(350);
    const done = await (await h.call('GET', `${API}/backups/items/${backup.id}`, { token })).json();
    expect(done).toMatchObject({ id: backup.id, status: 'completed', size: 12_345 });
    const list = await (await h.call('GET', `${API}/backups`, { token })).json();
    expect(list.items).toEqual([done]);
  });

  it('serves the deterministic bytes of expectedBackupDigest, with Content-Length and gzip type', async () => {
    const size = 3 * MiB + 5;
    const h = await harness({ seed: 7, backupSize: size, backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-gzip');
    expect(res.headers['content-length']).toBe(String(size));
    const got = await readAll(res.body);
    const expected = expectedBackupDigest(7, id, size);
    expect(got).toEqual({ bytes: size, sha256: expected.sha256 });
    expect(h.sim.backups()).toEqual([expect.objectContaining({ id, size, sha256: expected.sha256, uploaded: false, status: 'completed' })]);
    expect(h.sim.seed).toBe(7);
    // A different seed or id gives different bytes.
    expect(expectedBackupDigest(8, id, size).sha256).not.toBe(expected.sha256);
    expect(expectedBackupDigest(7, `${id}0`, size).sha256).not.toBe(expected.sha256);
  });

  it('honours Range: bytes=N- with 206 and the same bytes as the tail of the full file, 416 past the end', async () => {
    const size = 1 * MiB + 77;
    const h = await harness({ seed: 3, backupSize: size, backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const from = 654_321;
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token, headers: { range: `bytes=${from}-` } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${size - 1}/${size}`);
    expect(res.headers['content-length']).toBe(String(size - from));
    const tail = Buffer.concat(await collect(res.body));
    const full = Buffer.concat([...contentChunks({ seed: 3, id, size })]);
    expect(tail.equals(full.subarray(from))).toBe(true);

    const past = await h.call('GET', `${API}/backups/items/${id}/file`, { token, headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${size}`);
    await past.body.dump();
  });

  it('handles files past 4 GiB without holding them: the tail of a 5 GiB backup by Range', async () => {
    const size = 5 * 1024 * MiB + 3;
    const h = await harness({ seed: 4, backupSize: size, backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const item = await (await h.call('GET', `${API}/backups/items/${id}`, { token })).json();
    expect(item.size).toBe(size);
    const from = size - 100_000;
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token, headers: { range: `bytes=${from}-` } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${size - 1}/${size}`);
    const tail = Buffer.concat(await collect(res.body));
    expect(tail.equals(Buffer.concat([...contentChunks({ seed: 4, id, size }, from, size)]))).toBe(true);
    // The full download announces the whole size.
    const full = await h.call('GET', `${API}/backups/items/${id}/file`, { token });
    expect(full.headers['content-length']).toBe(String(size));
    full.body.destroy();
  });

  it('streams a 256 MiB backup intact', async () => {
    const size = 256 * MiB;
    const h = await harness({ seed: 11, backupSize: size, backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token });
    const got = await readAll(res.body);
    expect(got).toEqual({ bytes: size, sha256: expectedBackupDigest(11, id, size).sha256 });
  });

  it('logs every request with its status', async () => {
    const h = await harness();
    await h.login();
    await (await h.call('GET', `${API}/backups/items/99`)).body.dump();
    // The log entry is written when the response closes.
    await vi.waitFor(() =>
      expect(h.sim.requests()).toEqual([
        { method: 'POST', path: '/api/mgmt.aaa/2.0/token', status: 201 },
        { method: 'GET', path: `${API}/backups/items/99`, status: 401 },
      ]),
    );
  });
});

describe('npm.backup 1.0 simulator: faults', () => {
  it('revokes every token once after N authenticated requests; a fresh login works again', async () => {
    const h = await harness({ faults: { revokeTokensAfterRequests: 2 } });
    const first = await h.login();
    const second = await h.login();
    expect((await h.call('GET', `${API}/backups`, { token: first })).status).toBe(200);
    expect((await h.call('GET', `${API}/backups`, { token: second })).status).toBe(200);
    const revoked = await h.call('GET', `${API}/backups`, { token: first });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error_id: 'AUTH_REQUIRED' });
    expect((await h.call('GET', `${API}/backups`, { token: second })).status).toBe(401);
    const fresh = await h.login();
    for (let i = 0; i < 5; i++) expect((await h.call('GET', `${API}/backups`, { token: fresh })).status).toBe(200);
    expect(h.sim.faults.revokeTokensAfterRequests).toBeUndefined();
  });

  it('answers the next `count` requests with a 5xx error body, then recovers', async () => {
    const h = await harness();
    h.sim.faults.serverErrors = { count: 2, status: 500 };
    for (let i = 0; i < 2; i++) {
      const res = await h.call('GET', '/api/common/1.0/info');
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error_id: 'INTERNAL_ERROR', error_text: expect.stringContaining('500'), error_info: {} });
    }
    expect((await h.call('GET', '/api/common/1.0/info')).status).toBe(200);
    h.sim.faults.serverErrors = { count: 1 };
    expect((await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody() })).status).toBe(503);
    await h.login();
  });

  it('resets a download after resetDownloadAtByte bytes (Content-Length announced the full size)', async () => {
    const size = 2 * MiB;
    const h = await harness({ backupSize: size, backupDurationMs: 0, faults: { resetDownloadAtByte: 300_000 } });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token });
    expect(res.headers['content-length']).toBe(String(size));
    const got = await readAll(res.body);
    expect(got.error).toBeDefined();
    expect(got.bytes).toBe(300_000);
    // Resuming with a Range gets the rest (the fault applies to each response's body).
    delete h.sim.faults.resetDownloadAtByte;
    const rest = await h.call('GET', `${API}/backups/items/${id}/file`, { token, headers: { range: 'bytes=300000-' } });
    expect((await readAll(rest.body)).bytes).toBe(size - 300_000);
  });

  it('ends a download cleanly, chunked and without Content-Length, at truncateDownloadAtByte', async () => {
    const h = await harness({ backupSize: 2 * MiB, backupDurationMs: 0, faults: { truncateDownloadAtByte: 123_457 } });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    const res = await h.call('GET', `${API}/backups/items/${id}/file`, { token });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const got = await readAll(res.body);
    expect(got.error).toBeUndefined();
    expect(got.bytes).toBe(123_457);
  });

  it('throttles downloads to bytesPerSecond', async () => {
    const h = await harness({ backupSize: 256 * 1024, backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    h.sim.faults.bytesPerSecond = 512 * 1024;
    const started = Date.now();
    const got = await readAll((await h.call('GET', `${API}/backups/items/${id}/file`, { token })).body);
    const elapsed = Date.now() - started;
    expect(got.bytes).toBe(256 * 1024);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
  });

  it('makes backups fail with a status_message when backupFails is set at creation', async () => {
    const h = await harness({ backupDurationMs: 50, faults: { backupFails: true } });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    await sleep(80);
    const backup = await (await h.call('GET', `${API}/backups/items/${id}`, { token })).json();
    expect(backup).toMatchObject({ status: 'failed', status_message: expect.stringMatching(/failed/) });
    expect((await h.call('GET', `${API}/backups/items/${id}/file`, { token })).status).toBe(409);
  });

  it('answers garbage on GET /backups/items/{id}: HTML, or an unknown status', async () => {
    const h = await harness({ backupDurationMs: 0 });
    const token = await h.login();
    const id = await createCompletedBackup(h, token);
    h.sim.faults.garbage = 'non-json';
    const html = await h.call('GET', `${API}/backups/items/${id}`, { token });
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('text/html');
    const text = await html.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    h.sim.faults.garbage = 'unknown-status';
    expect(await (await h.call('GET', `${API}/backups/items/${id}`, { token })).json()).toMatchObject({ id, status: 'exploded' });
  });

  it('rejects every login with rejectCredentials', async () => {
    const h = await harness({ faults: { rejectCredentials: true } });
    const res = await h.call('POST', '/api/mgmt.aaa/2.0/token', { headers: { 'content-type': 'application/json' }, body: loginBody() });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_id: 'AUTH_INVALID_CREDENTIALS' });
  });
});

describe('npm.backup 1.0 simulator: upload and restore', () => {
  it('hashes a streamed upload, counts it towards the limit, restores it through a reboot', async () => {
    const size = 3 * MiB + 1;
    // Windows wide enough for a loaded two-core machine: the checks inside them take a few requests.
    const h = await harness({ uploadProcessingMs: 2000, rebootMs: 1500, rebootRefusals: 1, existingBackups: [{ description: 'other' }] });
    let token = await h.login();

    const wrongType = await h.call('POST', `${API}/backups/upload`, { token, body: 'x', headers: { 'content-type': 'application/json' } });
    expect(wrongType.status).toBe(415);
    await wrongType.body.dump();

    const restoreBefore = await (await h.call('GET', `${API}/restore_status`, { token })).json();
    expect(restoreBefore).toMatchObject({ status: 'not_run', last_restore_time: 0 });

    const upload = await h.call('POST', `${API}/backups/upload`, {
      token,
      body: contentStream({ seed: 99, id: 'archived', size }),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const uploaded = await upload.json();
    expect(upload.status, JSON.stringify(uploaded)).toBe(201);
    expect(uploaded).toMatchObject({ status: 'uploading', size });
    const record = h.sim.backups().find((b) => b.id === uploaded.id);
    expect(record).toMatchObject({ uploaded: true, size, sha256: expectedBackupDigest(99, 'archived', size).sha256 });

    // Two backups now: a third upload is refused like a third backup.
    const full = await h.call('POST', `${API}/backups/upload`, { token, body: Buffer.alloc(10), headers: { 'content-type': 'application/octet-stream' } });
    expect(full.status).toBe(400);
    expect((await full.json()).error_text).toMatch(/maximum of 2 backups/);

    const notReady = await h.call('POST', `${API}/backups/items/${uploaded.id}/restore`, { token });
    expect(notReady.status).toBe(409);
    await notReady.body.dump();
    await vi.waitFor(
      async () => expect(await (await h.call('GET', `${API}/backups/items/${uploaded.id}`, { token })).json()).toMatchObject({ status: 'completed', size }),
      { timeout: 10_000, interval: 200 },
    );

    const restoreStart = Date.now() / 1000 - 120; // on the device's clock, two minutes behind by default
    const restore = await h.call('POST', `${API}/backups/items/${uploaded.id}/restore`, { token });
    expect(restore.status).toBe(202);
    expect(await restore.json()).toMatchObject({ status: 'started', last_restore_time: 0 });
    expect(h.sim.restores()).toEqual([{ backupId: uploaded.id, startedAt: expect.any(Number), status: 'started' }]);

    // Rebooting: connections die, on old and new sockets alike (rebootRefusals: at least the first, however late it comes).
    await expect(h.call('GET', '/api/common/1.0/info')).rejects.toThrow();
    await vi.waitFor(async () => (await h.call('GET', '/api/common/1.0/info')).body.dump(), { timeout: 15_000, interval: 200 });
    const stale = await h.call('GET', `${API}/restore_status`, { token });
    expect(stale.status).toBe(401); // tokens do not survive the reboot
    await stale.body.dump();
    token = await h.login();
    const after = await (await h.call('GET', `${API}/restore_status`, { token })).json();
    expect(after.status).toBe('completed');
    expect(after.last_restore_time).toBeGreaterThan(restoreStart);
    expect(h.sim.restores()[0]?.status).toBe('completed');
    // During the reboot no request was answered: refused at connect (never read), or cut unanswered (status 0) on an old socket.
    const infos = h.sim.requests().filter((r) => r.path === '/api/common/1.0/info');
    expect(infos.at(-1)?.status).toBe(200);
    expect(infos.slice(0, -1).every((r) => r.status === 0)).toBe(true);
  });

  it('drops an upload the client abandons', async () => {
    const h = await harness();
    const token = await h.login();
    const controller = new AbortController();
    const body = contentStream({ seed: 1, id: 'x', size: 1024 * MiB }, 0, 1024 * MiB, 64 * 1024);
    const pending = request(`${h.sim.url}${API}/backups/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
      dispatcher: h.agent,
      signal: controller.signal,
    });
    // Waits on conditions, not on fixed sleeps: the suite shares two cores with everything else.
    await vi.waitFor(() => expect(h.sim.backups()).toEqual([expect.objectContaining({ status: 'uploading', uploaded: true })]), { timeout: 5000 });
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(h.sim.backups()).toEqual([]), { timeout: 5000 });
  });
});

describe('npm.backup 1.0 simulator: HTTPS', () => {
  it('serves a self-signed certificate whose SHA-256 fingerprint it reports', async () => {
    const h = await harness({ tls: true });
    expect(h.sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(h.sim.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(new X509Certificate(h.sim.caPem!).fingerprint256).toBe(h.sim.fingerprint256);

    // Trusting the cert as CA: the full chain and hostname checks pass.
    const token = await h.login();
    expect((await h.call('GET', `${API}/backups`, { token })).status).toBe(200);

    // The certificate actually presented is the one fingerprinted.
    const { port } = new URL(h.sim.url);
    const presented = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(presented).toBe(h.sim.fingerprint256);

    // Without the CA, verification fails.
    const strict = new Agent();
    await expect(request(`${h.sim.url}/api/common/1.0/info`, { dispatcher: strict })).rejects.toThrow(/self[- ]signed|certificate/i);
    await strict.close();
  });
});
