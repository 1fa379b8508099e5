import { CopyObjectCommand, CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';
import { npmV1Device } from './support/restore-harness';

/**
 * Restores from backups that sit in GLACIER / DEEP_ARCHIVE, against moto_server (which does
 * RestoreObject and storage classes; s3rver does not): the workflow thaws first, with the
 * configured tier, waits and re-checks, then streams the thawed object to the device.
 */
const SIZE = 1024 * 1024 + 17;
const SECRET = 'backup-runner/ar11';
const FAST = { waitTimeOverrides: { WaitForThaw: 20, WaitForRestore: 200 }, retryIntervalOverrides: { StartRestore: 50, UploadToDevice: 50 } };

describe.runIf(motoAvailable('restore-glacier.integ.spec.ts'))('restore from a cold storage class (moto_server)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  let bucketCounter = 0;

  beforeAll(async () => {
    moto = await startMoto();
    s3 = moto.client();
    // Records every S3 call the steps make, to see the thaw request and its tier.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
  });
  afterAll(async () => {
    await moto?.close();
  });

  async function backUpThenFreeze(sim: NpmV1Simulator, storageClass: 'GLACIER' | 'DEEP_ARCHIVE', restore: Record<string, unknown>) {
    const bucket = `cold-${++bucketCounter}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config = parseConfig({ archive: { bucket, prefix: 'backups/', restore }, devices: [npmV1Device('ar11', sim)] });
    const secrets = staticSecretSource({ [SECRET]: { username: 'admin', password: 'admin' } });
    const [backup] = await runBackupsLocally({ config, secrets, archive: { bucket, s3 }, log: silentLog });
    expect(backup?.status).toBe('SUCCEEDED');
    // What the lifecycle rule does after N days, done at once: the object moves to the cold class in place.
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: backup!.key!, CopySource: `${bucket}/${backup!.key!}`, StorageClass: storageClass, MetadataDirective: 'COPY' }));
    return { bucket, config, secrets, backup: backup! };
  }

  it('thaws a GLACIER backup with the configured tier first, then restores the exact bytes', async () => {
    const sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 100, rebootMs: 800, seed: 21 });
    try {
      const { bucket, config, secrets, backup } = await backUpThenFreeze(sim, 'GLACIER', { tier: 'Bulk', days: 2 });
      sent.length = 0;
      const result = await runRestoreLocally({ config, input: { deviceId: 'ar11', selector: { latest: true } }, secrets, archive: { bucket, s3 }, log: silentLog, overrides: FAST });
      expect(result.cause).toBeUndefined();
      expect(result.status).toBe('SUCCEEDED');
      expect(result.state?.backup).toMatchObject({ key: backup.key, storageClass: 'GLACIER' });
      expect(result.state?.thaw).toMatchObject({ status: 'ready', tier: 'Bulk', days: 2, checks: 1 });
      // The thaw came before any read of the object's bytes.
      const commands = sent.map((c) => c.command);
      const thawAt = commands.indexOf('RestoreObjectCommand');
      const readAt = commands.findIndex((c, i) => c === 'GetObjectCommand' && sent[i]!.input.Key === backup.key);
      expect(thawAt).toBeGreaterThanOrEqual(0);
      expect(readAt).toBeGreaterThan(thawAt);
      expect(sent[thawAt]!.input).toMatchObject({ Key: backup.key, RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Bulk' } } });
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: backup.key! }))).Restore).toMatch(/ongoing-request="false"/);
      expect(sim.uploads()).toEqual([expect.objectContaining({ sha256: backup.sha256, size: SIZE, complete: true })]);
      expect(result.state?.outcome?.recoveryMs).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it('plans a DEEP_ARCHIVE restore as needing a thaw (Standard in place of Expedited) and changes nothing on a dry run', async () => {
    const sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 100, seed: 22 });
    try {
      const { bucket, config, secrets } = await backUpThenFreeze(sim, 'DEEP_ARCHIVE', { tier: 'Expedited' });
      sent.length = 0;
      const result = await runRestoreLocally({ config, input: { deviceId: 'ar11', selector: { latest: true }, dryRun: true }, secrets, archive: { bucket, s3 }, log: silentLog, overrides: FAST });
      expect(result.status).toBe('SUCCEEDED');
      expect(result.state?.thaw).toMatchObject({ status: 'needed', tier: 'Standard' });
      expect(result.state?.thaw.reason).toMatch(/DEEP_ARCHIVE has no Expedited tier, Standard is used/);
      expect(sent.map((c) => c.command)).not.toContain('RestoreObjectCommand');
      expect(sim.uploads()).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
