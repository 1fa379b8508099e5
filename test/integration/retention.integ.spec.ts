import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { listCommand } from '../../cli/commands/list';
import { pruneCommand } from '../../cli/commands/prune';
import { verifyCommand } from '../../cli/commands/verify';
import { startEmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';

/**
 * Retention, catalog and verify against real peers: the npm.backup 1.0 simulator, the synthesized
 * state machine (which ends in PruneArchive) and an embedded s3rver; the CLI commands read the
 * same s3rver through the config's `archive.s3.endpoint`, as a user's would.
 */
const SECRET = 'backup-runner/ar11';
const FAST = {
  waitTimeOverrides: { WaitForDevice: 20 },
  retryIntervalOverrides: { StartBackup: 20, PollBackup: 20, TransferToArchive: 20, DeleteDeviceCopy: 20, PruneArchive: 20 },
};
// Runs are dated from two days ahead, so an object written now by the test is "older than 24 h" to them.
const BASE = Date.now() + 2 * 86_400_000;
const DAY = 86_400_000;

let s3: { endpoint: string; client: S3Client; close(): Promise<void> };
let sim: NpmV1Simulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retention-'));
  s3 = await startEmbeddedS3({ directory: join(dir, 's3'), buckets: [] });
  sim = await startNpmV1Simulator({ tls: true, backupSize: 64 * 1024 + 3, backupDurationMs: 50, seed: 11 });
});
afterAll(async () => {
  await sim?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

function rawConfig(bucket: string, retention: Record<string, number> | undefined) {
  return {
    archive: { bucket, prefix: 'backups/', s3: { endpoint: s3.endpoint }, ...(retention ? { retention } : {}) },
    devices: [
      {
        id: 'ar11',
        type: 'riverbed-npm-v1',
        url: sim.url,
        secret: SECRET,
        tls: { fingerprint256: sim.fingerprint256 },
        poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
      },
    ],
  };
}

async function backUp(bucket: string, retention: Record<string, number> | undefined, times: number): Promise<LocalRunResult[]> {
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
  const config = parseConfig(rawConfig(bucket, retention));
  const results: LocalRunResult[] = [];
  for (let i = 0; i < times; i++) {
    const at = new Date(BASE + i * DAY);
    const [result] = await runBackupsLocally({
      config,
      secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
      archive: { bucket, s3: s3.client },
      log: silentLog,
      overrides: FAST,
      now: () => at,
    });
    expect(result, `run ${i + 1}`).toMatchObject({ status: 'SUCCEEDED' });
    expect(result!.warning, `run ${i + 1}`).toBeUndefined();
    results.push(result!);
  }
  return results;
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function configFile(bucket: string, retention: Record<string, number> | undefined): Promise<string> {
  const path = join(dir, `${bucket}.json`);
  await writeFile(path, JSON.stringify(rawConfig(bucket, retention)));
  return path;
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('retention in the backup workflow', () => {
  it('five backups with keepLast 2 leave exactly the two newest (objects and manifests) and nothing else under the device prefix', async () => {
    const bucket = 'keep-last-two';
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    // An upload that never got its manifest (written now: older than 24 h for the runs), and another device's backup.
    const stray = 'backups/ar11/2026/01/01/20260101T000000Z-stray.tar.gz';
    const foreignDevice = 'backups/ar12/2026/01/01/20260101T000000Z-other.tar.gz';
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: stray, Body: 'partial' }));
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: foreignDevice, Body: 'not ours to prune' }));

    const results = await backUp(bucket, { keepLast: 2 }, 5);
    const newest = results.slice(-2).map((r) => r.key!);
    expect(new Set(results.map((r) => r.key)).size).toBe(5);
    expect(await keysUnder(bucket, 'backups/ar11/')).toEqual([newest[0]!, `${newest[0]}.manifest.json`, newest[1]!, `${newest[1]}.manifest.json`].sort());
    expect(await keysUnder(bucket, 'backups/ar12/')).toEqual([foreignDevice]);
    expect(sim.backups().filter((b) => b.description.startsWith('backup-runner'))).toEqual([]);

    // `list` sees the same two, newest first, as one JSON object a line.
    const out = capture();
    const err = capture();
    expect(await listCommand({ config: await configFile(bucket, { keepLast: 2 }), device: 'ar11', json: true }, out.stream, err.stream)).toBe(0);
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.key)).toEqual([newest[1], newest[0]]);
    expect(lines[0]).toEqual({
      time: new Date(BASE + 4 * DAY).toISOString(),
      device: 'ar11',
      size: 64 * 1024 + 3,
      storageClass: 'STANDARD',
      sha256: results[4]!.sha256,
      key: newest[1],
      manifestKey: `${newest[1]}.manifest.json`,
    });
    expect(err.text()).toBe('');
  });

  it('without a retention policy every backup stays', async () => {
    const results = await backUp('no-policy', undefined, 2);
    expect(await keysUnder('no-policy', 'backups/ar11/')).toHaveLength(4);
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });
});

describe('backup-runner prune and verify', () => {
  const bucket = 'cli-archive';
  let results: LocalRunResult[];
  let config: string;

  beforeAll(async () => {
    results = await backUp(bucket, undefined, 3);
    config = await configFile(bucket, { keepLast: 1 });
  });

  it('prune --dry-run shows what would go and why, and deletes nothing; prune then deletes exactly that', async () => {
    const before = await keysUnder(bucket, 'backups/ar11/');
    const out = capture();
    const now = () => new Date(BASE + 3 * DAY);
    expect(await pruneCommand({ config, dryRun: true }, out.stream, out.stream, now)).toBe(0);
    const text = out.text();
    expect(text).toContain('ar11 (keepLast 1): keep 1, would delete 2 (dry run: nothing deleted)');
    const rows = text.split('\n').filter((l) => /^(DELETE|KEEP) /.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^DELETE +\\S+ +64\\.0 KiB +${results[1]!.key!.replace(/\./g, '\\.')} +matches no keep rule of keepLast 1$`));
    expect(rows[1]).toContain(results[0]!.key!);
    expect(rows[2]).toMatch(new RegExp(`^KEEP +.*${results[2]!.key!.replace(/\./g, '\\.')} +newest good backup; keepLast 1 \\(1 of 1\\)$`));
    expect(await keysUnder(bucket, 'backups/ar11/')).toEqual(before);

    const real = capture();
    expect(await pruneCommand({ config }, real.stream, real.stream, now)).toBe(0);
    expect(real.text()).toContain('ar11: deleted 4 key(s)');
    expect(await keysUnder(bucket, 'backups/ar11/')).toEqual([results[2]!.key!, `${results[2]!.key}.manifest.json`]);
  });

  it('verify passes a sound archive, then names a tampered object, an object without a manifest and a manifest without an object', async () => {
    const sound = capture();
    expect(await verifyCommand({ config, device: 'ar11' }, sound.stream)).toBe(0);
    expect(sound.text()).toMatch(new RegExp(`^OK +${results[2]!.key!.replace(/\./g, '\\.')}  64\\.0 KiB  sha256 ${results[2]!.sha256!.slice(0, 12)}\n`));
    expect(sound.text()).toContain('OK: 1 verified, 0 mismatched');

    // Tamper: same size, one byte different; an object without its manifest; a manifest without its object.
    const kept = results[2]!.key!;
    const tampered = Buffer.alloc(64 * 1024 + 3, 1);
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: kept, Body: tampered }));
    const orphan = 'backups/ar11/2026/02/01/20260201T000000Z-orphan.tar.gz';
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: orphan, Body: 'no manifest for me' }));
    const lostKey = 'backups/ar11/2026/02/02/20260202T000000Z-lost.tar.gz';
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${lostKey}.manifest.json`, Body: '{}' }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: lostKey }));

    const out = capture();
    expect(await verifyCommand({ config }, out.stream)).toBe(1);
    const text = out.text();
    expect(text).toMatch(new RegExp(`MISMATCH +${kept.replace(/\./g, '\\.')}: s3://${bucket}/${kept.replace(/\./g, '\\.')}: SHA-256 is [0-9a-f]{64}, the manifest says ${results[2]!.sha256}`));
    expect(text).toMatch(new RegExp(`NO MANIFEST +${orphan.replace(/\./g, '\\.')}: object without a manifest`));
    expect(text).toMatch(new RegExp(`NO OBJECT +${lostKey.replace(/\./g, '\\.')}\\.manifest\\.json: manifest whose object ${lostKey.replace(/\./g, '\\.')} is missing`));
    expect(text).toContain('FAILED: 3 problem(s): 0 verified, 1 mismatched, 1 without a manifest, 1 manifest(s) without an object');
  });
});
