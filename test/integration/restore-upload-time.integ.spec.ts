import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { UPLOAD_TO_DEVICE_TIMEOUT_MINUTES } from '../../lambdas/restore/upload-time';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { startNpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { useEmbeddedS3, useForFile } from './support/file-fixture';
import { npmV1Device } from './support/restore-harness';
import { freshBucket } from './support/ssh-devices';

/**
 * A restore whose upload cannot finish in one UploadToDevice Lambda invocation is refused by
 * CheckCompatibility, through the restore state machine, before anything reaches the device; the
 * same restore run locally (no time limit) goes ahead. The deployed Lambda's limit is given to
 * the local runner as the stack's handlers have it.
 */
const SIZE = 3 * 1024 * 1024 + 5;
const SECRET = 'backup-runner/ar11';
const LAMBDA_LIMIT_SECONDS = UPLOAD_TO_DEVICE_TIMEOUT_MINUTES * 60;
const FAST = { waitTimeOverrides: { WaitForRestore: 100 }, retryIntervalOverrides: { StartRestore: 50, UploadToDevice: 50 } };

const s3 = useEmbeddedS3('upload-time-');
const sim = useForFile(() => startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 50, rebootMs: 100, rebootRefusals: 1, seed: 31 }));

async function backedUp(megabytesPerSecond: number) {
  const bucket = await freshBucket(s3.client, 'upload-time');
  const config = parseConfig({ archive: { bucket, prefix: 'backups/' }, devices: [npmV1Device('ar11', sim, { restoreUpload: { megabytesPerSecond } })] });
  const secrets = staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } });
  const [backup] = await runBackupsLocally({ config, secrets, archive: { bucket, s3: s3.client }, log: silentLog });
  expect(backup?.status, backup?.cause).toBe('SUCCEEDED');
  const restore = (options: { limit?: number; dryRun?: boolean }) =>
    runRestoreLocally({
      config,
      input: { deviceId: 'ar11', selector: { latest: true }, ...(options.dryRun ? { dryRun: true } : {}) },
      secrets,
      archive: { bucket, s3: s3.client },
      log: silentLog,
      overrides: FAST,
      ...(options.limit !== undefined ? { uploadTimeLimitSeconds: options.limit } : {}),
    });
  return { bucket, backup: backup!, restore };
}

describe('restores too big for one Lambda invocation (restore state machine, npm.backup 1.0 simulator)', () => {
  it('refuses in CheckCompatibility when the upload would outlast the Lambda, pointing to the local command; nothing reaches the device, the archive is untouched', async () => {
    // 3 MB at 0.002 MB/s: about 26 minutes, more than 15 minutes less the minute kept back.
    const { bucket, backup, restore } = await backedUp(0.002);
    const uploadsBefore = sim.uploads().length;
    const result = await restore({ limit: LAMBDA_LIMIT_SECONDS });
    expect(result).toMatchObject({ status: 'FAILED', error: 'RestoreRefused' });
    expect(result.cause).toMatch(/^ar11: restore of \S+ refused: the upload takes about 26\.2 min for 3\.1 MB at 0\.002 MB\/s \(devices\[\]\.restoreUpload\.megabytesPerSecond\), more than one UploadToDevice Lambda invocation may run \(15\.0 min, 60 s kept back\)/);
    expect(result.cause).toContain(`which has no time limit: npx backup-runner restore --config <config file> --device ar11 --key ${backup.key} --confirm ar11`);
    // Refused before any upload; the archive still holds the backup and its manifest.
    expect(sim.uploads().length).toBe(uploadsBefore);
    expect(sim.restores()).toEqual([]);
    const keys = ((await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);
    expect(keys).toEqual([backup.key, `${backup.key}.manifest.json`]);

    // The plan says so too (a dry run of the deployed workflow).
    const plan = await restore({ limit: LAMBDA_LIMIT_SECONDS, dryRun: true });
    expect(plan).toMatchObject({ status: 'FAILED', error: 'RestoreRefused' });
  });

  it('the same backup restores locally, where nothing limits the upload', async () => {
    const { backup, restore } = await backedUp(0.002);
    const result = await restore({});
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.state?.checks).toContain('upload about 26.2 min for 3.1 MB at 0.002 MB/s (devices[].restoreUpload.megabytesPerSecond); no time limit here');
    expect(sim.uploads().at(-1)).toMatchObject({ sha256: backup.sha256, size: SIZE, complete: true });
  });

  it('at the default rate (10 MB/s) the deployed workflow accepts it and says how long the upload takes', async () => {
    const { restore } = await backedUp(10);
    const plan = await restore({ limit: LAMBDA_LIMIT_SECONDS, dryRun: true });
    expect(plan.status, plan.cause).toBe('SUCCEEDED');
    expect(plan.state?.checks).toContain('upload about 1 s for 3.1 MB at 10 MB/s (devices[].restoreUpload.megabytesPerSecond): within one UploadToDevice invocation (15.0 min)');
  });
});
