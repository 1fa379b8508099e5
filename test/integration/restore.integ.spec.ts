import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3 } from '../../cli/local/embedded-s3';
import { drillCommand } from '../../cli/commands/drill';
import { NOT_CONFIRMED_EXIT, restoreCommand } from '../../cli/commands/restore';
import { startNpmV1Simulator, type NpmV1Simulator, type NpmV1SimulatorOptions } from '../../simulators/riverbed-npm-v1';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator } from '../../simulators/storware';
import { backUp, capture, FAST_RESTORE_POLL, npmV1Device, writeFixture } from './support/restore-harness';

/**
 * Restores through the CLI, the synthesized restore state machine and the npm.backup 1.0
 * simulator (HTTPS, pinned): backup first, then restore; the simulator reboots on restore
 * (connections dropped, tokens revoked) and records the SHA-256 of every upload.
 */
const SIZE = 3 * 1024 * 1024 + 321;

let dir: string;
let s3: { endpoint: string; client: S3Client; close(): Promise<void> };
const sims: NpmV1Simulator[] = [];
let bucketCounter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'restore-integ-'));
  s3 = await startEmbeddedS3({ directory: join(dir, 's3'), buckets: [] });
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function simulator(options: NpmV1SimulatorOptions = {}): Promise<NpmV1Simulator> {
  const sim = await startNpmV1Simulator({ tls: true, backupSize: SIZE, backupDurationMs: 100, rebootMs: 500, rebootRefusals: 1, seed: 5 + sims.length, ...options });
  sims.push(sim);
  return sim;
}

async function archiveBucket(): Promise<{ bucket: string; s3: S3Client }> {
  const bucket = `restore-${++bucketCounter}`;
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, s3: s3.client };
}

async function setUp(devices: (sims: NpmV1Simulator[]) => Array<Record<string, unknown>>, simOptions: NpmV1SimulatorOptions[] = [{}]) {
  const started = [];
  for (const options of simOptions) started.push(await simulator(options));
  const archive = await archiveBucket();
  const fixture = await writeFixture(dir, { bucket: archive.bucket, prefix: 'backups/', s3: { endpoint: s3.endpoint } }, devices(started));
  return { sims: started, archive, fixture };
}

async function restore(fixture: { configFile: string; secretsFile: string }, args: Record<string, unknown>) {
  const out = capture();
  const err = capture();
  const code = await restoreCommand({ config: fixture.configFile, secrets: fixture.secretsFile, ...args } as never, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe('backup-runner restore (CLI, restore state machine, npm.backup 1.0 simulator)', () => {
  it('restores the latest backup through the reboot: the device receives the exact archived bytes, and the recovery time is reported', async () => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    const backup = await backUp(fixture, 'ar11', archive);
    const requestsBefore = sim!.requests().length;

    const { code, out } = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11' });
    expect(out).toContain(`backup         ${backup.key}`);
    // Through the reboot: at least one poll found the device down (connections cut) and the loop went on.
    expect(out).toMatch(/\([1-9]\d* poll\(s\) found it rebooting\)/);
    expect(out).toMatch(/RESTORED ar11 from backups\/ar11\//);
    expect(out).toMatch(/recovery time\s+\d+\.\d s \(request to device back up\); device outage \d+\.\d s/);
    expect(code).toBe(0);

    // Exactly the archived bytes reached the device, and the restore ran on that upload.
    const uploads = sim!.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ size: SIZE, sha256: backup.sha256, complete: true });
    expect(sim!.restores()).toEqual([expect.objectContaining({ backupId: uploads[0]!.backupId, status: 'completed' })]);
    // The reboot revoked every token: the polls after it logged in afresh and were answered.
    const during = sim!.requests().slice(requestsBefore);
    const restoreAt = during.findIndex((r) => r.path.endsWith('/restore') && r.method === 'POST');
    const after = during.slice(restoreAt + 1);
    expect(after.filter((r) => r.path.includes('/token') && r.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(after.some((r) => r.path.endsWith('/restore_status') && r.status === 200)).toBe(true);
    // The uploaded copy is gone again; the device keeps only what it had.
    expect(sim!.backups().some((b) => b.uploaded)).toBe(false);
  });

  it('re-sends the upload as a fresh stream when the token is revoked mid-upload', async () => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    const backup = await backUp(fixture, 'ar11', archive);
    // The upload step's second authenticated request is the upload itself: it gets 401, then a fresh login and a second stream.
    sim!.faults.revokeTokensAfterRequests = 1;
    const { code, out } = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11', json: true });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: 'RESTORED', sha256: backup.sha256 });
    const uploads = sim!.requests().filter((r) => r.path.endsWith('/backups/upload'));
    expect(uploads.map((r) => r.status)).toEqual([401, 201]);
    expect(sim!.uploads()).toEqual([expect.objectContaining({ sha256: backup.sha256, size: SIZE, complete: true })]);
  });

  it('without --confirm naming the same device, plans and changes nothing', async () => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    const backup = await backUp(fixture, 'ar11', archive);
    const before = sim!.requests().filter((r) => r.method !== 'GET' && !r.path.includes('/token')).length;

    const missing = await restore(fixture, { device: 'ar11', latest: true });
    expect(missing.code).toBe(NOT_CONFIRMED_EXIT);
    expect(missing.out).toContain('Restore plan for ar11');
    expect(missing.out).toContain(`SHA-256        ${backup.sha256!.slice(0, 12)}`);
    expect(missing.out).toMatch(/storage class\s+STANDARD: no thaw needed/);
    expect(missing.out).toMatch(/software version 11\.13\.0 accepted/);
    expect(missing.out).toContain('Nothing was changed. Not confirmed: to restore, run again with --confirm ar11.');

    const other = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar12' });
    expect(other.code).toBe(NOT_CONFIRMED_EXIT);
    expect(other.err).toContain('--confirm names "ar12", not the device being restored (ar11)');

    const dry = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11', dryRun: true, json: true });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ status: 'PLANNED', key: backup.key, size: SIZE, sha256: backup.sha256, storageClass: 'STANDARD', thaw: { status: 'not-needed' } });

    // Only reads reached the device: no upload, no restore, no delete.
    expect(sim!.requests().filter((r) => r.method !== 'GET' && !r.path.includes('/token')).length).toBe(before);
    expect(sim!.uploads()).toEqual([]);
    expect(sim!.restores()).toEqual([]);
  });

  it.each([
    ['10 minutes behind', -600_000],
    ['10 minutes ahead', 600_000],
  ])("judges the restore by the device's own clock, %s the runner's", async (_how, clockSkewMs) => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!, { restorePoll: { ...FAST_RESTORE_POLL, timeoutMinutes: 1 } })], [{ clockSkewMs }]);
    await backUp(fixture, 'ar11', archive);
    // An earlier restore, so the device shows a finished restore (its time on its own clock) before this one starts.
    expect((await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11' })).code).toBe(0);
    sim!.faults.restoreOutcome = { status: 'failed', message: 'Restore failed: disk error on ar11-sim' };
    const { code, out } = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11' });
    // The earlier restore's `completed` is never taken for this one: this one failed, and says so.
    expect(out).toMatch(/FAILED \(DeviceOperationFailed\) ar11: .*Restore failed: disk error on ar11-sim/);
    expect(code).toBe(1);
    expect(sim!.restores().map((r) => r.status)).toEqual(['completed', 'failed']);
  });

  it('reports a failed device restore with the device message, and still removes the uploaded copy', async () => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    await backUp(fixture, 'ar11', archive);
    sim!.faults.restoreOutcome = { status: 'failed', message: 'Restore failed: database schema mismatch on ar11-sim' };

    const { code, out } = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11' });
    expect(code).toBe(1);
    expect(out).toMatch(/FAILED \(DeviceOperationFailed\) ar11: the device reports the restore of backups\/ar11\/\S+ failed: Restore failed: database schema mismatch on ar11-sim/);
    expect(out).toContain('The uploaded copy was removed from the device.');
    expect(sim!.backups().some((b) => b.uploaded)).toBe(false);
  });

  it('reports completed_with_errors as a restore with a warning', async () => {
    const { sims: [sim], archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    await backUp(fixture, 'ar11', archive);
    sim!.faults.restoreOutcome = { status: 'completed_with_errors', message: 'Restored; 2 capture jobs could not be re-created' };

    const { code, out } = await restore(fixture, { device: 'ar11', latest: true, confirm: 'ar11', json: true });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: 'RESTORED_WITH_ERRORS', withErrors: true, detail: 'Restored; 2 capture jobs could not be re-created' });
  });

  it('refuses a backup of another software version unless forced', async () => {
    const { sims: [, newer], archive, fixture } = await setUp(
      ([a, b]) => [npmV1Device('ar11', a!), npmV1Device('ar11-standby', b!)],
      [{}, { swVersion: '11.14.2' }],
    );
    await backUp(fixture, 'ar11', archive);
    const drill = capture();
    expect(await drillCommand({ config: fixture.configFile, secrets: fixture.secretsFile, device: 'ar11', target: 'ar11-standby' }, drill.stream)).toBe(1);
    expect(drill.text()).toMatch(/FAILED \(RestoreRefused\) ar11-standby: restore of \S+ refused: the backup was made on software 11\.13\.0, the device runs 11\.14\.2/);
    expect(newer!.uploads()).toEqual([]);
  });

  it('never starts a restore on a device of another type: refused before the device is contacted, --force or not', async () => {
    const storware = await startStorwareSimulator({ tls: true });
    try {
      const { sims: [sim], archive, fixture } = await setUp(([s]) => [
        npmV1Device('ar11', s!),
        {
          id: 'sw-standby',
          type: 'storware',
          url: storware.url,
          secret: 'backup-runner/sw-standby',
          tls: { fingerprint256: storware.fingerprint256 },
          protectedEntities: [DEFAULT_STORWARE_ENTITIES[0]!.guid],
          restore: { hypervisor: 'hv-1' },
        },
      ]);
      const backup = await backUp(fixture, 'ar11', archive);
      const drill = capture();
      expect(await drillCommand({ config: fixture.configFile, secrets: fixture.secretsFile, device: 'ar11', target: 'sw-standby', json: true }, drill.stream)).toBe(1);
      expect(JSON.parse(drill.text())).toMatchObject({
        status: 'FAILED',
        error: 'RestoreRefused',
        message: expect.stringMatching(/^sw-standby: restore of \S+ refused: the backup was made by ar11, a riverbed-npm-v1 device; sw-standby is a storware: a backup is only restored onto a device of its own type/),
      });
      // A key of another device's backup, forced, onto the storware: refused the same way.
      const forced = await restore(fixture, { device: 'sw-standby', key: backup.key, confirm: 'sw-standby', force: true });
      expect(forced.code).toBe(1);
      expect(forced.out).toMatch(/FAILED \(RestoreRefused\) sw-standby: .*--force does not change this/);
      expect(storware.requests()).toEqual([]);
      expect(sim!.uploads()).toEqual([]);
    } finally {
      await storware.close();
    }
  });

  it('drills the latest backup onto a standby and reports the recovery time', async () => {
    const { sims: [, standby], archive, fixture } = await setUp(([a, b]) => [npmV1Device('ar11', a!), npmV1Device('ar11-standby', b!)], [{}, { rebootMs: 1000 }]);
    const backup = await backUp(fixture, 'ar11', archive);
    const out = capture();
    expect(await drillCommand({ config: fixture.configFile, secrets: fixture.secretsFile, device: 'ar11', target: 'ar11-standby' }, out.stream)).toBe(0);
    expect(out.text()).toMatch(/DRILL PASSED: recovery time \d+\.\d s\./);
    expect(standby!.uploads()[0]).toMatchObject({ sha256: backup.sha256, size: SIZE });
  });
});

describe('restore --key and --before', () => {
  it('picks by key and by date, and says when nothing fits', async () => {
    const { archive, fixture } = await setUp(([s]) => [npmV1Device('ar11', s!)]);
    const backup = await backUp(fixture, 'ar11', archive);
    const byKey = await restore(fixture, { device: 'ar11', key: backup.key, dryRun: true, confirm: 'ar11', json: true });
    expect(JSON.parse(byKey.out)).toMatchObject({ status: 'PLANNED', key: backup.key });
    const tooEarly = await restore(fixture, { device: 'ar11', before: '2000-01-01T00:00:00Z', dryRun: true, confirm: 'ar11' });
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.out).toMatch(/FAILED \(BackupNotFound\) ar11: cannot restore the newest backup taken before 2000-01-01T00:00:00Z of ar11: no backup was taken before/);
    const listed = await archive.s3.send(new ListObjectsV2Command({ Bucket: archive.bucket }));
    expect(listed.KeyCount).toBe(2);
    await expect(archive.s3.send(new HeadObjectCommand({ Bucket: archive.bucket, Key: backup.key! }))).resolves.toBeDefined();
  });
});
