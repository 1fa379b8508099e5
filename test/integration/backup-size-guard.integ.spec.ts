import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { useEmbeddedS3 } from './support/file-fixture';
import { fastRunOverrides } from './support/local-run';
import { npmV1Device } from './support/restore-harness';
import { freshBucket } from './support/ssh-devices';

/**
 * Backups that are empty or far smaller than the device's last good one are failed runs, never
 * committed: a device that announces no size (npm.backup 1.0's `size` is optional) and then
 * ends its download early, or at once, must not leave a "good" backup that retention then counts.
 * Through the synthesized state machine, against the npm.backup 1.0 simulator, into s3rver.
 */
const SIZE = 2 * 1024 * 1024 + 99;
const SECRET = 'backup-runner/ar11'; // npmV1Device's secret name
const s3 = useEmbeddedS3('size-guard-');
let sim: NpmV1Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setUp(device: Record<string, unknown> = {}): Promise<{ config: RunnerConfig; bucket: string }> {
  sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 100, seed: 11 });
  const bucket = await freshBucket(s3.client, 'size');
  const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, devices: [npmV1Device('ar11', sim, device)] });
  return { config, bucket };
}

async function backUp(config: RunnerConfig, bucket: string): Promise<LocalRunResult> {
  const [result] = await runBackupsLocally({
    config,
    secrets: staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } }),
    archive: { bucket, s3: s3.client },
    log: silentLog,
    overrides: fastRunOverrides(30),
  });
  return result!;
}

async function keys(bucket: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

describe('empty and shrunken backups are failed runs', () => {
  it('a zero-byte backup from a device that announces no size fails the run; nothing is committed', async () => {
    const { config, bucket } = await setUp();
    sim!.faults.omitSize = true;
    sim!.faults.truncateDownloadAtByte = 0;
    const result = await backUp(config, bucket);
    expect(result).toMatchObject({ status: 'FAILED', error: 'IntegrityError' });
    expect(result.cause).toMatch(/^ar11: .*empty backup \(0 bytes, and it announced no size\)/);
    expect((await keys(bucket)).filter((k) => k.endsWith('.manifest.json'))).toEqual([]);
  });

  it('a backup far below the previous good one fails the run and leaves the good one as the newest', async () => {
    const { config, bucket } = await setUp();
    const good = await backUp(config, bucket);
    expect(good, good.cause).toMatchObject({ status: 'SUCCEEDED', size: SIZE });
    sim!.faults.omitSize = true;
    sim!.faults.truncateDownloadAtByte = Math.floor(SIZE / 10);
    const short = await backUp(config, bucket);
    expect(short).toMatchObject({ status: 'FAILED', error: 'IntegrityError' });
    expect(short.cause).toContain(`${Math.floor(SIZE / 10)} bytes`);
    expect(short.cause).toContain(`${SIZE} bytes`);
    expect(short.cause).toContain('devices[].minSizeRatio');
    expect(await keys(bucket)).toEqual([good.key, `${good.key}.manifest.json`]);
  });

  it('with an explicit allowance (devices[].minSizeRatio) the smaller backup is committed', async () => {
    const { config, bucket } = await setUp({ minSizeRatio: 0.05 });
    expect((await backUp(config, bucket)).status).toBe('SUCCEEDED');
    sim!.faults.omitSize = true;
    sim!.faults.truncateDownloadAtByte = Math.floor(SIZE / 10);
    const smaller = await backUp(config, bucket);
    expect(smaller, smaller.cause).toMatchObject({ status: 'SUCCEEDED', size: Math.floor(SIZE / 10) });
  });
});
