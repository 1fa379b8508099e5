import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { DeviceLocks } from '../../lambdas/state/device-locks';
import { fileConditionalStore } from '../../lambdas/state/file-store';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { npmV1Device } from './support/restore-harness';

/**
 * One run per device, locally: two `run`s of the same device at once (two processes share the
 * lock files under .backup-runner/state; here two DeviceLocks on one directory stand for them)
 * back it up once; the second is refused with the first run's execution named, and touches
 * nothing on the device.
 */
let dir: string;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let sim: NpmV1Simulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'one-run-'));
  s3 = await startEmbeddedS3({ directory: join(dir, 's3'), buckets: [] });
  sim = await startNpmV1Simulator({ tls: true, backupSize: 64 * 1024, backupDurationMs: 800, seed: 9 });
});
afterAll(async () => {
  await sim?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('one run per device (local runs)', () => {
  it('refuses a second run of a device while the first runs, naming it; the device sees one backup', async () => {
    await s3.client.send(new CreateBucketCommand({ Bucket: 'one-run' }));
    const config = parseConfig({ archive: { bucket: 'one-run', prefix: 'backups/' }, devices: [npmV1Device('ar11', sim)] });
    const secrets = staticSecretSource({ 'backup-runner/ar11': { username: 'admin', password: 'admin' } });
    const lockDir = join(dir, 'state');
    const run = () =>
      runBackupsLocally({ config, secrets, archive: { bucket: 'one-run', s3: s3.client }, log: silentLog, locks: new DeviceLocks(fileConditionalStore(lockDir)) });
    const [[first], [second]] = await Promise.all([run(), run()]);
    const results = [first!, second!];
    const succeeded = results.filter((r) => r.status === 'SUCCEEDED');
    const refused = results.filter((r) => r.status === 'FAILED');
    expect(succeeded, JSON.stringify(results)).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ error: 'DeviceLocked' });
    expect(refused[0]!.cause).toMatch(new RegExp(`^ar11: another backup of this device is running: execution ${succeeded[0]!.executionName} \\(local run [0-9a-f]{8}, pid \\d+\\) \\(since `));
    // The device was asked for one backup only (and its copy deleted after the archive).
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/backups'))).toHaveLength(1);

    // Released at the end: the next run backs the device up.
    const [again] = await run();
    expect(again, again?.cause).toMatchObject({ status: 'SUCCEEDED' });
  });
});
