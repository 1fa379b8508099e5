import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import {
  expectedBackupDigest,
  startNpmV1Simulator,
  type NpmV1Simulator,
  type NpmV1SimulatorOptions,
} from '../../simulators/riverbed-npm-v1';
import { useEmbeddedS3 } from './support/file-fixture';
import { fastRunOverrides } from './support/local-run';

/**
 * Local runs of the synthesized state machine (aws-local-stepfunctions) with the real step code,
 * against the npm.backup 1.0 simulator over HTTPS and an embedded s3rver. Every injected fault ends
 * either in a verified archive or a failed run with a clear message and no manifest.
 */
const SIZE = 3 * 1024 * 1024 + 123;
const SECRET = 'backup-runner/ar11';
const FAST = fastRunOverrides(50);

const s3 = useEmbeddedS3('local-run-');
let sim: NpmV1Simulator | undefined;
let bucketCounter = 0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Scenario {
  simulator?: NpmV1SimulatorOptions;
  tls?: 'pinned' | 'none' | 'wrong-pin';
  password?: string;
}

async function run(scenario: Scenario = {}): Promise<{ result: LocalRunResult; bucket: string; keys: string[] }> {
  sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 150, seed: 7, ...scenario.simulator });
  const bucket = `run-${++bucketCounter}`;
  const archive = await startEmbeddedBucket(bucket);
  const tls =
    scenario.tls === 'none'
      ? undefined
      : { fingerprint256: scenario.tls === 'wrong-pin' ? '00'.repeat(32) : sim.fingerprint256 };
  const config = parseConfig({
    archive: { bucket, prefix: 'backups/' },
    devices: [
      {
        id: 'ar11',
        type: 'riverbed-npm-v1',
        url: sim.url,
        secret: SECRET,
        ...(tls ? { tls } : {}),
        poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
        timeouts: { connectSeconds: 2, idleSeconds: 5 },
      },
    ],
  });
  const [result] = await runBackupsLocally({
    config,
    secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: scenario.password ?? 'admin' } }),
    archive,
    log: silentLog,
    overrides: FAST,
  });
  return { result: result!, bucket, keys: await listKeys(bucket) };
}

async function startEmbeddedBucket(bucket: string) {
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, s3: s3.client };
}

async function listKeys(bucket: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function readObject(bucket: string, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of object.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function expectNothingArchived(outcome: { result: LocalRunResult; keys: string[] }) {
  expect(outcome.result.status).toBe('FAILED');
  expect(outcome.keys).toEqual([]);
}

describe('local backup run (synthesized state machine, simulator, s3rver)', () => {
  it('archives the exact bytes with a manifest, then frees the device slot (and keeps backups made by others)', async () => {
    const { result, bucket, keys } = await run({ simulator: { existingBackups: [{ description: 'made by hand' }] } });
    expect(result).toMatchObject({ status: 'SUCCEEDED', size: SIZE });
    expect(result.key).toMatch(/^backups\/ar11\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}Z-[0-9a-f]{10}\.tar\.gz$/);
    expect(keys).toEqual([result.key, `${result.key}.manifest.json`]);

    const served = expectedBackupDigest(7, result.deviceBackupId!, SIZE);
    const bytes = await readObject(bucket, result.key!);
    expect(bytes.length).toBe(SIZE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(served.sha256);
    expect(result.sha256).toBe(served.sha256);

    const manifest = JSON.parse((await readObject(bucket, `${result.key}.manifest.json`)).toString('utf8'));
    expect(manifest).toMatchObject({
      schemaVersion: 1,
      device: { id: 'ar11', type: 'riverbed-npm-v1' },
      backup: { deviceBackupId: result.deviceBackupId },
      object: { key: result.key, size: SIZE, sha256: served.sha256 },
      run: { executionName: result.executionName, occurrence: null },
    });
    expect(manifest.device.softwareVersion).toEqual(expect.any(String));

    const left = sim!.backups();
    expect(left.map((b) => b.description)).toEqual(['made by hand']);
  });

  it('logs in again once when the token is revoked mid-run', async () => {
    const { result } = await run({ simulator: { faults: { revokeTokensAfterRequests: 2 } } });
    expect(result.status).toBe('SUCCEEDED');
    const logins = sim!.requests().filter((r) => r.path.includes('/token'));
    expect(logins.length).toBeGreaterThanOrEqual(2);
  });

  it('rides out a burst of 5xx answers with retries', async () => {
    const { result } = await run({ simulator: { faults: { serverErrors: { count: 3, status: 503 } } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim!.requests().filter((r) => r.status === 503)).toHaveLength(3);
  });

  it('archives a slow stream completely', async () => {
    const { result } = await run({ simulator: { backupSize: 512 * 1024, faults: { bytesPerSecond: 1024 * 1024 } } });
    expect(result).toMatchObject({ status: 'SUCCEEDED', size: 512 * 1024 });
  });

  it('a connection reset mid-download is retried, then fails clearly, with nothing archived', async () => {
    const outcome = await run({ simulator: { faults: { resetDownloadAtByte: 1024 * 1024 } } });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('DeviceUnreachable');
    expect(outcome.result.cause).toMatch(/^ar11: /);
    const downloads = sim!.requests().filter((r) => r.path.endsWith('/file'));
    expect(downloads.length).toBe(4); // first try + 3 retries
  });

  it('a truncated body is an integrity error, never retried, nothing archived', async () => {
    const outcome = await run({ simulator: { faults: { truncateDownloadAtByte: 1000 } } });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('IntegrityError');
    expect(outcome.result.cause).toMatch(/^ar11: .*1000/);
    expect(sim!.requests().filter((r) => r.path.endsWith('/file'))).toHaveLength(1);
  });

  it('a failed backup on the device fails the run with the device message', async () => {
    const outcome = await run({ simulator: { faults: { backupFails: true } } });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('DeviceOperationFailed');
    expect(outcome.result.cause).toMatch(/^ar11: the device reports backup .* failed: /);
  });

  it.each([
    ['non-json', /ar11: .*not JSON|ar11: .*JSON/i],
    ['unknown-status', /ar11: .*exploded/],
  ] as const)('a device answering garbage (%s) fails with a protocol error', async (garbage, message) => {
    const outcome = await run({ simulator: { faults: { garbage } } });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('DeviceProtocolError');
    expect(outcome.result.cause).toMatch(message);
  });

  it('wrong credentials fail at once, without retries', async () => {
    const outcome = await run({ password: 'wrong' });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('AuthenticationFailed');
    expect(outcome.result.cause).toMatch(/^ar11: /);
    expect(outcome.result.cause).not.toContain('wrong');
    expect(sim!.requests().filter((r) => r.path.includes('/token')).length).toBeLessThanOrEqual(2);
  });

  it('a self-signed device without a pinned fingerprint fails clearly and says how to pin it', async () => {
    const outcome = await run({ tls: 'none' });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('TlsVerificationFailed');
    expect(outcome.result.cause).toMatch(/self-signed certificate; pin the device.s certificate with tls.fingerprint256/);
  });

  it('a wrong pinned fingerprint is refused', async () => {
    const outcome = await run({ tls: 'wrong-pin' });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('TlsVerificationFailed');
  });

  it('never deletes backups made by others: two foreign backups make the device busy', async () => {
    const outcome = await run({
      simulator: { existingBackups: [{ description: 'theirs 1' }, { description: 'theirs 2' }] },
    });
    expectNothingArchived(outcome);
    expect(outcome.result.error).toBe('DeviceBusy');
    expect(sim!.backups().map((b) => b.description).sort()).toEqual(['theirs 1', 'theirs 2']);
  });
});
