import { GetObjectCommand, ListObjectsV2Command, S3Client, type ObjectStorageClass } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { collectArchiveCopies, committedFromListing } from '../../../lambdas/report/collect/archive-copies';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const BUCKET = 'b';
const key = (device: string, stamp: string) => `backups/${device}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${stamp}-r${stamp.slice(9, 13)}.tar.gz`;

function manifest(device: string, objectKey: string, extra: { type?: string; size?: number; occurrence?: string | null } = {}) {
  return {
    schemaVersion: 1,
    device: { id: device, type: extra.type ?? 'qradar' },
    backup: { deviceBackupId: 'x', details: {} },
    object: { bucket: BUCKET, key: objectKey, size: extra.size ?? 10, sha256: 'a'.repeat(64), contentType: 'application/gzip' },
    run: { executionName: 'e', runId: 'r', occurrence: extra.occurrence ?? null, startedAt: '2026-11-22T02:00:05Z', finishedAt: '2026-11-22T02:01:00Z' },
    runner: { version: '0.1.0' },
  };
}

function body(value: unknown) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) as never;
}

describe('the archive copies for the report', () => {
  it('from the listing: committed objects (manifest listed beside them) with size and storage class; others counted', () => {
    const a = key('qr1', '20261121T020000Z');
    const b = key('qr1', '20261122T020000Z');
    const listed = [
      { key: a, size: 10, storageClass: 'GLACIER_IR', lastModified: new Date() },
      { key: `${a}.manifest.json`, size: 1, storageClass: 'STANDARD', lastModified: new Date() },
      { key: b, size: 11, storageClass: 'STANDARD', lastModified: new Date() }, // no manifest yet
      { key: 'backups/_backup-runner/report.html', size: 1, storageClass: 'STANDARD', lastModified: new Date() },
      { key: '_backup-runner/report.html', size: 1, storageClass: 'STANDARD', lastModified: new Date() },
    ];
    expect(committedFromListing(listed, 'backups/')).toEqual({
      copies: [{ deviceId: 'qr1', key: a, time: new Date('2026-11-21T02:00:00Z'), size: 10, storageClass: 'GLACIER_IR' }],
      incomplete: 1,
    });
  });

  it('reads each device\'s newest manifest only; one that does not validate is not a copy, and the next one is read', async () => {
    const old = key('qr1', '20261120T020000Z');
    const mid = key('qr1', '20261121T020000Z');
    const newest = key('qr1', '20261122T020000Z');
    const other = key('sw1', '20261122T030000Z');
    const contents = [old, mid, newest, other].flatMap((k) => [
      { Key: k, Size: 10, StorageClass: (k === old ? 'DEEP_ARCHIVE' : 'STANDARD') as ObjectStorageClass },
      { Key: `${k}.manifest.json`, Size: 1, StorageClass: 'STANDARD' as ObjectStorageClass },
    ]);
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: contents, IsTruncated: false });
    s3Mock.on(GetObjectCommand, { Key: `${newest}.manifest.json` }).resolves({ Body: body('{not json') });
    s3Mock.on(GetObjectCommand, { Key: `${mid}.manifest.json` }).resolves({ Body: body(manifest('qr1', mid, { occurrence: '2026-11-21T02:00:00Z' })) });
    s3Mock.on(GetObjectCommand, { Key: `${other}.manifest.json` }).resolves({ Body: body(manifest('sw1', other, { type: 'storware', size: 10 })) });

    const collected = await collectArchiveCopies(new S3Client({ region: 'us-east-1' }), BUCKET, { prefix: 'backups/' });
    expect(collected.copies.map((c) => [c.key, c.storageClass, c.deviceType, c.occurrence?.toISOString() ?? c.occurrence])).toEqual([
      [old, 'DEEP_ARCHIVE', undefined, undefined],
      [mid, 'STANDARD', 'qradar', '2026-11-21T02:00:00.000Z'],
      [other, 'STANDARD', 'storware', null],
    ]);
    expect(collected.notes).toEqual([`qr1: not counted, its manifest is unreadable: the manifest s3://b/${newest}.manifest.json is not JSON`]);
    const reads = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key);
    expect(reads.sort()).toEqual([`${mid}.manifest.json`, `${newest}.manifest.json`, `${other}.manifest.json`].sort());
  });
});
