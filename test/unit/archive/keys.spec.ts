import { describe, expect, it } from 'vitest';
import {
  archiveKey,
  deviceKeyPrefix,
  isManifestKey,
  manifestKeyFor,
  objectKeyForManifest,
  parseArchiveKey,
} from '../../../lambdas/archive/keys';

describe('archiveKey', () => {
  it.each([
    {
      prefix: 'backups/',
      deviceId: 'ar11-lab',
      time: '2026-02-27T15:46:07.891Z',
      runId: 'r-01',
      extension: 'tar.gz',
      key: 'backups/ar11-lab/2026/02/27/20260227T154607Z-r-01.tar.gz',
    },
    {
      prefix: '',
      deviceId: 'fg-east',
      time: '2026-01-02T03:04:05Z',
      runId: 'a_b',
      extension: 'tar',
      key: 'fg-east/2026/01/02/20260102T030405Z-a_b.tar',
    },
    {
      // Local time past midnight is still the previous day in UTC: the key uses UTC.
      prefix: 'x/y/',
      deviceId: 'qradar-console',
      time: '2026-03-01T00:30:00+02:00',
      runId: 'Z9',
      extension: 'json',
      key: 'x/y/qradar-console/2026/02/28/20260228T223000Z-Z9.json',
    },
  ])('$key', ({ time, key, ...rest }) => {
    expect(archiveKey({ ...rest, time: new Date(time) })).toBe(key);
  });

  it.each([
    { field: 'prefix', value: 'backups', message: /prefix "backups" must be empty or end with "\/"/ },
    { field: 'prefix', value: '/backups/', message: /prefix/ },
    { field: 'deviceId', value: 'AR11', message: /device id "AR11"/ },
    { field: 'deviceId', value: 'a/b', message: /device id/ },
    { field: 'runId', value: 'run.1', message: /run id "run.1"/ },
    { field: 'runId', value: '', message: /run id/ },
    { field: 'extension', value: '.tar.gz', message: /extension ".tar.gz"/ },
    { field: 'extension', value: 'tar/gz', message: /extension/ },
    { field: 'extension', value: 'manifest.json', message: /extension/ },
    { field: 'time', value: new Date('nope'), message: /not a valid date/ },
  ])('refuses $field $value', ({ field, value, message }) => {
    const parts = { prefix: 'backups/', deviceId: 'ar11-lab', time: new Date('2026-02-27T15:46:00Z'), runId: 'r1', extension: 'tar.gz', [field]: value };
    expect(() => archiveKey(parts)).toThrow(message);
  });
});

describe('parseArchiveKey', () => {
  it.each([
    { prefix: 'backups/', deviceId: 'ar11-lab', time: '2026-02-27T15:46:07Z', runId: 'r-01', extension: 'tar.gz' },
    { prefix: '', deviceId: 'a', time: '1999-12-31T23:59:59Z', runId: 'x', extension: 'bin' },
    { prefix: 'a/b/c/', deviceId: 'storware-prod', time: '2028-02-29T00:00:00Z', runId: 'abc_DEF-9', extension: 'tar.zst' },
  ])('inverts archiveKey for $deviceId under "$prefix"', ({ prefix, time, ...parts }) => {
    const key = archiveKey({ prefix, time: new Date(time), ...parts });
    expect(parseArchiveKey(key, prefix)).toEqual({ ...parts, time: new Date(time) });
  });

  it.each([
    ['another prefix', 'other/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz'],
    ['a manifest', 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz.manifest.json'],
    ['date folders that disagree with the stamp', 'backups/ar11-lab/2026/02/28/20260227T154600Z-r1.tar.gz'],
    ['an impossible date', 'backups/ar11-lab/2026/02/30/20260230T154600Z-r1.tar.gz'],
    ['an impossible time', 'backups/ar11-lab/2026/02/27/20260227T246000Z-r1.tar.gz'],
    ['no extension', 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1'],
    ['no run id', 'backups/ar11-lab/2026/02/27/20260227T154600Z.tar.gz'],
    ['a local-time stamp', 'backups/ar11-lab/2026/02/27/20260227T154600-r1.tar.gz'],
    ['an extra folder', 'backups/ar11-lab/extra/2026/02/27/20260227T154600Z-r1.tar.gz'],
    ['an upper-case device id', 'backups/AR11/2026/02/27/20260227T154600Z-r1.tar.gz'],
    ['a folder', 'backups/ar11-lab/2026/02/27/'],
  ])('returns undefined for %s', (_what, key) => {
    expect(parseArchiveKey(key, 'backups/')).toBeUndefined();
  });
});

describe('manifest keys', () => {
  const objectKey = 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz';

  it('sit beside their object', () => {
    expect(manifestKeyFor(objectKey)).toBe(`${objectKey}.manifest.json`);
    expect(isManifestKey(manifestKeyFor(objectKey))).toBe(true);
    expect(isManifestKey(objectKey)).toBe(false);
    expect(objectKeyForManifest(manifestKeyFor(objectKey))).toBe(objectKey);
    expect(objectKeyForManifest(objectKey)).toBeUndefined();
  });

  it('a device prefix covers exactly that device', () => {
    expect(deviceKeyPrefix('backups/', 'ar11-lab')).toBe('backups/ar11-lab/');
    expect(objectKey.startsWith(deviceKeyPrefix('backups/', 'ar11-lab'))).toBe(true);
    expect(objectKey.startsWith(deviceKeyPrefix('backups/', 'ar11'))).toBe(false);
  });
});
