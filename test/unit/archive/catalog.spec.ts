import { DeleteObjectCommand, GetObjectCommand, GetObjectRetentionCommand, ListObjectsV2Command, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { listCatalog } from '../../../lambdas/archive/catalog';
import { ArchiveError } from '../../../lambdas/archive/errors';
import { RUNNER_VERSION, type Manifest } from '../../../lambdas/archive/manifest';
import { applyPrunePlan } from '../../../lambdas/archive/prune';
import { planRetention } from '../../../lambdas/archive/retention';
import { silentLog } from '../../../lambdas/common/log';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);
afterEach(() => {
  s3Mock.reset();
});

const BUCKET = 'archive';
const keyAt = (device: string, stamp: string) =>
  `backups/${device}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${stamp}-r${stamp.slice(9, 13)}.tar.gz`;

function manifestFor(key: string, device = key.split('/')[1]!, startedAt = '2026-11-20T02:00:00.000Z'): Manifest {
  return {
    schemaVersion: 1,
    device: { id: device, type: 'riverbed-npm-v1' },
    backup: { deviceBackupId: '1', details: {} },
    object: { bucket: BUCKET, key, size: 10, sha256: 'b'.repeat(64), contentType: 'application/x-gzip' },
    run: { executionName: 'x', runId: 'r', occurrence: null, startedAt, finishedAt: startedAt },
    runner: { version: RUNNER_VERSION },
  };
}

function body(text: string) {
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text });
}

function s3Error(name: string, status = 400) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` });
}

const listed = (key: string, extra: Record<string, unknown> = {}) => ({ Key: key, Size: 10, LastModified: new Date('2026-11-20T02:05:00Z'), ...extra });

describe('listCatalog', () => {
  const older = keyAt('ar11', '20261119T020000Z');
  const newer = keyAt('ar11', '20261120T020000Z');
  const incomplete = keyAt('ar11', '20261121T020000Z');
  const dangling = keyAt('ar11', '20261118T020000Z');
  const badJson = keyAt('ar11', '20261117T020000Z');
  const otherDevice = keyAt('ar11', '20261116T020000Z');

  function mockArchive() {
    // Two pages, manifests before and after their objects, a foreign key and a stray file.
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'page-2',
        Contents: [listed(older, { StorageClass: 'GLACIER' }), listed(`${newer}.manifest.json`), listed('backups/ar11/notes.txt'), listed(incomplete, { Size: 5 })],
      })
      .resolvesOnce({
        IsTruncated: false,
        Contents: [listed(`${older}.manifest.json`), listed(newer), listed(`${dangling}.manifest.json`), listed(badJson), listed(`${badJson}.manifest.json`), listed(otherDevice), listed(`${otherDevice}.manifest.json`)],
      });
    s3Mock.on(GetObjectCommand, { Key: `${older}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(older, 'ar11', '2026-11-19T02:00:00.000Z'))) as never });
    s3Mock.on(GetObjectCommand, { Key: `${newer}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(newer))) as never });
    s3Mock.on(GetObjectCommand, { Key: `${badJson}.manifest.json` }).resolves({ Body: body('{not json') as never });
    s3Mock.on(GetObjectCommand, { Key: `${otherDevice}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(otherDevice, 'someone-else'))) as never });
  }

  it('sorts one paginated listing into backups (newest first), incomplete objects, dangling and unreadable manifests', async () => {
    mockArchive();
    const catalog = await listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11' });

    const lists = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(lists).toEqual([
      { Bucket: BUCKET, Prefix: 'backups/ar11/', ContinuationToken: undefined },
      { Bucket: BUCKET, Prefix: 'backups/ar11/', ContinuationToken: 'page-2' },
    ]);
    expect(catalog.backups.map((b) => [b.key, b.storageClass, b.time.toISOString()])).toEqual([
      [newer, 'STANDARD', '2026-11-20T02:00:00.000Z'],
      [older, 'GLACIER', '2026-11-19T02:00:00.000Z'],
    ]);
    expect(catalog.backups[0]).toMatchObject({ deviceId: 'ar11', manifestKey: `${newer}.manifest.json`, size: 10, listedSize: 10, sha256: 'b'.repeat(64) });
    expect(catalog.backups[0]!.retainUntil).toBeUndefined();
    expect(catalog.incomplete).toEqual([{ deviceId: 'ar11', key: incomplete, size: 5, storageClass: 'STANDARD', lastModified: new Date('2026-11-20T02:05:00Z') }]);
    expect(catalog.danglingManifests).toEqual([{ deviceId: 'ar11', key: dangling, manifestKey: `${dangling}.manifest.json` }]);
    expect(catalog.unreadableManifests.map((m) => [m.key, m.message])).toEqual([
      [badJson, `the manifest s3://${BUCKET}/${badJson}.manifest.json is not JSON`],
      [otherDevice, expect.stringMatching(/is for device "someone-else", not "ar11"/)],
    ]);
    // Manifests only: the catalog never reads backup contents.
    expect(s3Mock.commandCalls(GetObjectCommand).every((c) => c.args[0].input.Key!.endsWith('.manifest.json'))).toBe(true);
  });

  it('lists every device under the prefix when no device is given', async () => {
    const b = keyAt('ar12', '20261120T030000Z');
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [listed(keyAt('ar11', '20261120T020000Z')), listed(`${keyAt('ar11', '20261120T020000Z')}.manifest.json`), listed(b), listed(`${b}.manifest.json`)] });
    s3Mock.on(GetObjectCommand, { Key: `${keyAt('ar11', '20261120T020000Z')}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(keyAt('ar11', '20261120T020000Z')))) as never });
    s3Mock.on(GetObjectCommand, { Key: `${b}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(b, 'ar12', '2026-11-20T03:00:00.000Z'))) as never });
    const catalog = await listCatalog(s3, BUCKET, { prefix: 'backups/' });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Prefix).toBe('backups/');
    expect(catalog.backups.map((x) => x.deviceId)).toEqual(['ar12', 'ar11']);
  });

  it('drops a backup whose manifest vanished between listing and reading (a concurrent prune)', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [listed(newer), listed(`${newer}.manifest.json`)] });
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    const catalog = await listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11' });
    expect(catalog).toEqual({ backups: [], incomplete: [], danglingManifests: [], unreadableManifests: [] });
  });

  it('names the device, bucket and prefix when the listing fails', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(s3Error('NoSuchBucket', 404));
    const error = await listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toBe('ar11: cannot list s3://archive/backups/ar11/: NoSuchBucket: NoSuchBucket happened');
  });

  it('refuses a truncated page without a continuation token instead of missing backups', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ IsTruncated: true, Contents: [] });
    await expect(listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11' })).rejects.toThrow(/truncated but has no continuation token/);
  });

  it('reads Object Lock retention when asked; no retention is no date, a refused read is an error', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [listed(older), listed(`${older}.manifest.json`), listed(newer), listed(`${newer}.manifest.json`)] });
    s3Mock.on(GetObjectCommand, { Key: `${older}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(older, 'ar11', '2026-11-19T02:00:00.000Z'))) as never });
    s3Mock.on(GetObjectCommand, { Key: `${newer}.manifest.json` }).resolves({ Body: body(JSON.stringify(manifestFor(newer))) as never });
    s3Mock.on(GetObjectRetentionCommand, { Key: newer }).resolves({ Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2026-12-20T02:00:00Z') } });
    s3Mock.on(GetObjectRetentionCommand, { Key: older }).rejects(s3Error('NoSuchObjectLockConfiguration', 404));

    const catalog = await listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11', readRetention: true });
    expect(catalog.backups.map((b) => b.retainUntil)).toEqual([new Date('2026-12-20T02:00:00Z'), undefined]);

    s3Mock.on(GetObjectRetentionCommand, { Key: older }).rejects(s3Error('AccessDenied', 403));
    await expect(listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11', readRetention: true })).rejects.toThrow(
      `ar11: cannot read the Object Lock retention of s3://archive/${older}: AccessDenied: AccessDenied happened`,
    );
    // Without readRetention nothing asks.
    s3Mock.resetHistory();
    await listCatalog(s3, BUCKET, { prefix: 'backups/', deviceId: 'ar11' });
    expect(s3Mock.commandCalls(GetObjectRetentionCommand)).toHaveLength(0);
  });
});

describe('applyPrunePlan', () => {
  const keys = ['20261118T020000Z', '20261119T020000Z', '20261120T020000Z'].map((s) => keyAt('ar11', s));
  const plan = planRetention({
    deviceId: 'ar11',
    backups: keys.map((key, i) => ({ key, manifestKey: `${key}.manifest.json`, time: new Date(Date.UTC(2026, 10, 18 + i, 2)), size: 1 })),
    incomplete: [],
    policy: { keepLast: 1 },
    timeZone: 'UTC',
    now: new Date('2026-11-21T00:00:00Z'),
    runSucceeded: true,
  });

  it('deletes each backup manifest first, then its object', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    const outcome = await applyPrunePlan({ s3, bucket: BUCKET }, plan, silentLog);
    const deleted = s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key!);
    expect([...deleted].sort()).toEqual([keys[0]!, `${keys[0]}.manifest.json`, keys[1]!, `${keys[1]}.manifest.json`].sort());
    for (const key of [keys[0]!, keys[1]!]) expect(deleted.indexOf(`${key}.manifest.json`)).toBeLessThan(deleted.indexOf(key));
    expect(outcome.deletedKeys).toHaveLength(4);
  });

  it('stops an entry at the first refused delete, so its object outlives its manifest, never the reverse', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    s3Mock.on(DeleteObjectCommand, { Key: `${keys[0]}.manifest.json` }).rejects(s3Error('AccessDenied', 403));
    const error = await applyPrunePlan({ s3, bucket: BUCKET }, plan, silentLog).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toMatch(new RegExp(`^ar11: cannot delete s3://archive/${keys[0]}\\.manifest\\.json \\(matches no keep rule of keepLast 1\\): AccessDenied`));
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).not.toContain(keys[0]);
  });
});
