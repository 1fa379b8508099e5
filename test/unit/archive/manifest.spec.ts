import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../lambdas/common/errors';
import { RUNNER_VERSION, manifestSchema, readManifest, writeManifest, type Manifest } from '../../../lambdas/archive/manifest';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);
afterEach(() => {
  s3Mock.reset();
});

const objectKey = 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz';
const manifestKey = `${objectKey}.manifest.json`;

function manifest(): Manifest {
  return {
    schemaVersion: 1,
    device: { id: 'ar11-lab', type: 'riverbed-npm-v1', hostname: 'ar11', softwareVersion: '11.12.0' },
    backup: { deviceBackupId: '17', details: { description: 'backup-runner r1', created: 1772207160, encrypted: false, note: null } },
    object: { bucket: 'archive', key: objectKey, size: 1234, sha256: 'a'.repeat(64), contentType: 'application/x-gzip', versionId: 'v1' },
    run: {
      executionName: 'ar11-lab-20260227T1546Z',
      runId: 'r1',
      occurrence: '2026-02-27T15:45:00Z',
      startedAt: '2026-02-27T15:46:00.000Z',
      finishedAt: '2026-02-27T15:48:10.000Z',
    },
    runner: { version: RUNNER_VERSION },
  };
}

/** What GetObject's Body offers in Node (the SDK's stream mixin), reduced to what readManifest uses. */
function body(text: string) {
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text });
}

describe('RUNNER_VERSION', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(RUNNER_VERSION).toBe(pkg.version);
  });
});

describe('writeManifest', () => {
  it('puts the manifest as JSON beside its object', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'mv1' });
    await expect(writeManifest(s3, manifest())).resolves.toEqual({ key: manifestKey, versionId: 'mv1' });
    const input = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'archive', Key: manifestKey, ContentType: 'application/json' });
    expect(JSON.parse(input.Body as string)).toEqual(manifest());
  });

  it('refuses to write a manifest that would not read back', async () => {
    const bad = { ...manifest(), object: { ...manifest().object, sha256: 'XYZ' } };
    const failure = writeManifest(s3, bad);
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(/ar11-lab: refusing to write an invalid manifest for s3:\/\/archive\/backups\/.*object\.sha256: must be 64 lowercase hex digits/);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('readManifest', () => {
  it('reads back what writeManifest wrote', async () => {
    let stored = '';
    s3Mock.on(PutObjectCommand).callsFake((input: { Body: string }) => {
      stored = input.Body;
      return {};
    });
    await writeManifest(s3, manifest());
    s3Mock.on(GetObjectCommand, { Bucket: 'archive', Key: manifestKey }).callsFake(() => ({ Body: body(stored) }));
    await expect(readManifest(s3, 'archive', manifestKey)).resolves.toEqual(manifest());
  });

  it('accepts an on-demand run (no occurrence) and drops fields it does not know', async () => {
    const written = { ...manifest(), run: { ...manifest().run, occurrence: null }, futureField: { x: 1 } };
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body(JSON.stringify(written)) }));
    const read = await readManifest(s3, 'archive', manifestKey);
    expect(read.run.occurrence).toBeNull();
    expect(read).not.toHaveProperty('futureField');
  });

  it.each([
    { what: 'not JSON', text: '{"schemaVersion": 1,', message: /the manifest s3:\/\/archive\/.*\.manifest\.json is not JSON/ },
    { what: 'a future schema', text: JSON.stringify({ ...manifest(), schemaVersion: 2 }), message: /is malformed: schemaVersion:/ },
    {
      what: 'missing the size',
      text: JSON.stringify({ ...manifest(), object: { ...manifest().object, size: undefined } }),
      message: /is malformed: object\.size:/,
    },
    {
      what: 'a bad time',
      text: JSON.stringify({ ...manifest(), run: { ...manifest().run, finishedAt: 'yesterday' } }),
      message: /run\.finishedAt: must be an ISO-8601 date-time/,
    },
    {
      what: 'about another object',
      text: JSON.stringify({ ...manifest(), object: { ...manifest().object, key: 'backups/other.tar.gz' } }),
      message: /describes s3:\/\/archive\/backups\/other\.tar\.gz, not the object beside it/,
    },
  ])('rejects a manifest that is $what as an IntegrityError naming its key', async ({ text, message }) => {
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body(text) }));
    const failure = readManifest(s3, 'archive', manifestKey);
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(manifestKey);
    await expect(failure).rejects.toThrow(message);
  });

  it('refuses a key that is not a manifest key without reading it', async () => {
    await expect(readManifest(s3, 'archive', objectKey)).rejects.toThrow(/is not a manifest key/);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('lets a missing manifest surface as S3 NoSuchKey (an uncommitted backup)', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'The specified key does not exist.' }));
    await expect(readManifest(s3, 'archive', manifestKey)).rejects.toBeInstanceOf(NoSuchKey);
  });
});

describe('manifestSchema', () => {
  it.each([
    ['a negative size', { object: { ...manifest().object, size: -1 } }],
    ['a device id that cannot be in a key', { device: { ...manifest().device, id: 'AR 11' } }],
    ['a details value that is an object', { backup: { deviceBackupId: '1', details: { nested: { a: 1 } } } }],
    ['an empty runner version', { runner: { version: '' } }],
  ])('rejects %s', (_what, change) => {
    expect(manifestSchema.safeParse({ ...manifest(), ...change }).success).toBe(false);
  });
});
