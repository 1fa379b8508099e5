/**
 * Child process of the benchmark: the ceiling. Downloads one backup of the same size from the
 * simulator with a bare undici request and throws the bytes away: no driver, no hashing, no S3.
 * It uses the product's TLS connector (lambdas/common/tls-trust) so the TLS work is the same as
 * the transfer's. Started by bench/run.ts; prints one JSON line (see protocol.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { createTlsConnector, normalizeFingerprint } from '../lambdas/common/tls-trust';
import { cpuSecondsSince, peakRssBytes, readRequest, report, type ChildRequest } from './protocol';

const API = '/api/npm.backup/1.0';
const POLL_EVERY_MS = 50;
const POLL_GIVE_UP_MS = 120_000;

async function main(): Promise<void> {
  const input = readRequest<ChildRequest>(process.argv);
  const agent = new Agent({
    ...(input.fingerprint256
      ? { connect: createTlsConnector('bench-download', { kind: 'fingerprint', fingerprint256: normalizeFingerprint(input.fingerprint256) }, 5000) }
      : {}),
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  try {
    const call = async (method: Dispatcher.HttpMethod, path: string, token?: string, body?: unknown): Promise<Dispatcher.ResponseData> => {
      const response = await undiciRequest(`${input.deviceUrl}${path}`, {
        method,
        dispatcher: agent,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new Error(`${method} ${path} answered ${response.statusCode}: ${(await response.body.text()).slice(0, 300)}`);
      }
      return response;
    };
    const json = async (response: Dispatcher.ResponseData): Promise<Record<string, unknown>> =>
      (await response.body.json()) as Record<string, unknown>;

    const login = await json(
      await call('POST', '/api/mgmt.aaa/2.0/token', undefined, {
        user_credentials: { username: input.username, password: input.password },
        generate_refresh_token: false,
      }),
    );
    const token = String(login.access_token);
    const created = await json(await call('POST', `${API}/backups`, token, { description: 'bench raw download' }));
    const backupId = String(created.id);
    const giveUpAt = Date.now() + POLL_GIVE_UP_MS;
    for (;;) {
      const view = await json(await call('GET', `${API}/backups/items/${encodeURIComponent(backupId)}`, token));
      if (view.status === 'completed') break;
      if (view.status === 'failed' || Date.now() > giveUpAt) throw new Error(`backup ${backupId} did not complete (status ${String(view.status)})`);
      await sleep(POLL_EVERY_MS);
    }

    const rssBeforeBytes = process.memoryUsage.rss();
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const response = await call('GET', `${API}/backups/items/${encodeURIComponent(backupId)}/file`, token);
    let bytes = 0;
    for await (const chunk of response.body) bytes += (chunk as Buffer).length;
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpuStart);

    // The appliance keeps two backups: make room for the next child's.
    await (await call('DELETE', `${API}/backups/items/${encodeURIComponent(backupId)}`, token)).body.dump();
    if (bytes !== input.size) throw new Error(`raw download got ${bytes} bytes, expected ${input.size}`);
    report({ kind: 'download', bytes, seconds, backupId, maxRssBytes: peakRssBytes(), rssBeforeBytes, cpuSeconds });
  } finally {
    await agent.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`download-once failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
