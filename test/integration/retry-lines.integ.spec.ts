import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { useEmbeddedS3 } from './support/file-fixture';

/**
 * A device that refuses connections: every failed attempt that will be retried prints one line
 * (device, reason, next try in N s, attempt k of n) without --verbose. Both tests wait on
 * conditions (lines seen, events counted), never on a clock.
 */

const s3 = useEmbeddedS3('retry-lines-');
let dir: string;
let refusedPort: number;

/** A port nothing listens on: bound once to learn a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retry-lines-'));
  refusedPort = await closedPort();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const device = () => ({ id: 'ar11-down', type: 'riverbed-npm-v1', url: `https://127.0.0.1:${refusedPort}`, secret: 'backup-runner/ar11', timeouts: { connectSeconds: 2, idleSeconds: 5 } });

describe('retry lines for a device that refuses connections', () => {
  it('one warning per retried attempt, exactly as many as the state machine retries, with the reason and the next try', async () => {
    const config = parseConfig({ archive: { bucket: 'retry-lines', s3: { endpoint: s3.endpoint } }, devices: [device()] });
    const warnings: string[] = [];
    const log: Log = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
    const retried: string[] = [];
    const [result] = await runBackupsLocally({
      config,
      secrets: staticSecretSource({ 'backup-runner/ar11': { username: 'u', password: 'p' } }),
      archive: { bucket: 'retry-lines', s3: s3.client },
      log,
      overrides: { retryIntervalOverrides: { StartBackup: 0 } },
      onEvent: (e) => {
        const event = e as { type?: string; state?: { name?: string } };
        if (event.type === 'StateRetried' && event.state?.name) retried.push(event.state.name);
      },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeviceUnreachable' });
    const lines = warnings.filter((w) => w.includes('next try'));
    expect(retried.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(retried.length);
    expect(lines[0]).toMatch(/^ar11-down: StartBackup failed \(DeviceUnreachable: connection refused by 127\.0\.0\.1:\d+.*\); next try in 0 s \(attempt 2 of \d+\)$/);
    expect(lines.at(-1)).toMatch(new RegExp(`\\(attempt ${retried.length + 1} of ${retried.length + 1}\\)$`));
  });

  it('`backup-runner run` prints the first retry line on stderr without --verbose, naming the 30 s wait of the deployed Retry rule', async () => {
    const configFile = join(dir, 'down.yaml');
    const secretsFile = join(dir, 'secrets.json');
    await writeFile(configFile, JSON.stringify({ archive: { bucket: 'retry-cli', s3: { endpoint: s3.endpoint } }, devices: [device()] }));
    await writeFile(secretsFile, JSON.stringify({ 'backup-runner/ar11': { username: 'u', password: 'p' } }));
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'backup-runner.mjs'), 'run', '--config', configFile, '--secrets', secretsFile], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          const found = stderr.split('\n').find((l) => l.includes('next try'));
          if (found) resolve(found);
        });
        child.on('exit', (code) => reject(new Error(`the run ended (exit ${code}) before a retry line; stderr:\n${stderr}`)));
      });
      expect(line).toMatch(/^warn +ar11-down: StartBackup failed \(DeviceUnreachable: .+\); next try in 30 s \(attempt 2 of \d+\)$/);
    } finally {
      child.kill('SIGTERM');
    }
    // The limit only bounds a hung run (the definition is synthesized first: ~20 s on a loaded 2-core machine); the test waits for the line itself.
  }, 150_000);
});
