import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNNER_VERSION } from '../../../lambdas/archive/manifest';
import { silentLog } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import type { StepDeps } from '../../../lambdas/workflow/deps';
import { pruneArchive } from '../../../lambdas/workflow/prune-archive';
import type { RunState } from '../../../lambdas/workflow/run-state';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);
afterEach(() => {
  s3Mock.reset();
});

const keys = [18, 19, 20].map((d) => `backups/ar11-lab/2026/11/${d}/202611${d}T020000Z-r${d}.tar.gz`);

function deps(retention?: Record<string, number>): StepDeps {
  return {
    config: parseConfig({
      archive: { prefix: 'backups/', ...(retention ? { retention } : {}) },
      devices: [{ id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/s' }],
    }),
    archive: { bucket: 'b', s3 },
    secrets: { get: async () => Promise.reject(new Error('the prune step reads no secret')) },
    log: silentLog,
    now: () => new Date('2026-11-21T00:00:00Z'),
  };
}

const state = (archived: boolean): RunState & { cleanupError?: unknown } => ({
  deviceId: 'ar11-lab',
  deviceType: 'riverbed-npm-v1',
  runId: 'r20',
  executionName: 'x',
  occurrence: null,
  startedAt: '2026-11-20T02:00:00.000Z',
  handle: { backupId: '1' },
  status: 'completed',
  poll: { attempt: 1, waitSeconds: 1, deadline: '2026-11-20T03:00:00.000Z' },
  ...(archived ? { archive: { bucket: 'b', key: keys[2]!, manifestKey: `${keys[2]}.manifest.json`, size: 1, sha256: 'c'.repeat(64) } } : {}),
  cleanupError: { Error: 'DeviceUnreachable', Cause: 'kept in the output' },
});

function mockArchive() {
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: keys.flatMap((k) => [{ Key: k, Size: 1 }, { Key: `${k}.manifest.json`, Size: 1 }]) });
  for (const [i, key] of keys.entries()) {
    const startedAt = `2026-11-${18 + i}T02:00:00.000Z`;
    const manifest = {
      schemaVersion: 1,
      device: { id: 'ar11-lab', type: 'riverbed-npm-v1' },
      backup: { deviceBackupId: String(i), details: {} },
      object: { bucket: 'b', key, size: 1, sha256: 'c'.repeat(64), contentType: 'application/x-gzip' },
      run: { executionName: 'x', runId: 'r', occurrence: null, startedAt, finishedAt: startedAt },
      runner: { version: RUNNER_VERSION },
    };
    const text = JSON.stringify(manifest);
    s3Mock.on(GetObjectCommand, { Key: `${key}.manifest.json` }).resolves({ Body: Object.assign(Readable.from([text]), { transformToString: async () => text }) as never });
  }
  s3Mock.on(DeleteObjectCommand).resolves({});
}

describe('pruneArchive step', () => {
  it('applies the policy after a committed backup and keeps the rest of the state', async () => {
    mockArchive();
    const out = await pruneArchive(state(true), deps({ keepLast: 2 }));
    expect(out.prune).toEqual({ policy: 'keepLast 2', kept: 2, deleted: 1, deletedKeys: [keys[0]] });
    expect(out).toMatchObject({ cleanupError: { Error: 'DeviceUnreachable' }, archive: { key: keys[2] } });
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([`${keys[0]}.manifest.json`, keys[0]]);
  });

  it('does not touch S3 without a policy', async () => {
    const out = await pruneArchive(state(true), deps());
    expect(out.prune).toEqual({ policy: 'no retention policy', kept: 0, deleted: 0, deletedKeys: [] });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('deletes nothing when the run has no committed backup', async () => {
    mockArchive();
    const out = await pruneArchive(state(false), deps({ keepLast: 1 }));
    expect(out.prune).toMatchObject({ deleted: 0, kept: 3 });
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('fails with a typed error naming the device and the location', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Access Denied' }));
    await expect(pruneArchive(state(true), deps({ keepLast: 1 }))).rejects.toMatchObject({
      name: 'ArchiveError',
      message: 'ar11-lab: cannot list s3://b/backups/ar11-lab/: AccessDenied: Access Denied',
    });
  });
});
