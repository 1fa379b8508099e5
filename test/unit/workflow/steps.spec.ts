import { PassThrough } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { DeviceBusy, DeviceOperationFailed, OperationTimedOut, SecretError } from '../../../lambdas/common/errors';
import { silentLog } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import type { BackupProgress, Driver } from '../../../lambdas/drivers/driver';
import { nextPollWait } from '../../../lambdas/workflow/backoff';
import type { StepDeps } from '../../../lambdas/workflow/deps';
import { deleteDeviceCopy } from '../../../lambdas/workflow/delete-device-copy';
import { pollBackup } from '../../../lambdas/workflow/poll-backup';
import { runIdFor } from '../../../lambdas/workflow/run-id';
import type { RunState } from '../../../lambdas/workflow/run-state';
import { startBackup } from '../../../lambdas/workflow/start-backup';

const config = parseConfig({
  archive: { prefix: 'backups/' },
  devices: [
    {
      id: 'ar11-lab',
      type: 'riverbed-npm-v1',
      url: 'https://ar11.example.net',
      secret: 'backup-runner/ar11-lab',
      poll: { intervalSeconds: 10, maxIntervalSeconds: 60, timeoutMinutes: 30 },
      description: 'nightly',
    },
  ],
});

function fakeDriver(overrides: Partial<Driver> = {}): Driver {
  return {
    type: 'riverbed-npm-v1',
    startBackup: vi.fn(async () => ({ backupId: 'b-1' })),
    pollBackup: vi.fn(async (): Promise<BackupProgress> => ({ state: 'running' })),
    openArtifact: vi.fn(async () => ({
      body: new PassThrough(),
      size: 0,
      contentType: 'application/x-gzip',
      extension: 'tar.gz',
      device: {},
      details: {},
    })),
    deleteBackup: vi.fn(async () => undefined),
    ...overrides,
  };
}

function depsWith(driver: Driver, now = new Date('2026-11-22T02:00:00Z')): StepDeps & { secretNames: string[]; closed: number } {
  const secretNames: string[] = [];
  const state = { closed: 0 };
  return {
    config,
    archive: { bucket: 'b', s3: new S3Client({ region: 'us-east-1' }) },
    secrets: { get: async (name: string) => (secretNames.push(name), { username: 'u', password: 'p' }) },
    log: silentLog,
    now: () => now,
    createHttp: () => ({ request: async () => Promise.reject(new Error('unused')), close: async () => void state.closed++ }),
    driverFor: () => () => driver,
    secretNames,
    get closed() {
      return state.closed;
    },
  };
}

const running: RunState = {
  deviceId: 'ar11-lab',
  deviceType: 'riverbed-npm-v1',
  runId: 'abc',
  executionName: 'ar11-lab-20261122T0200Z',
  occurrence: '2026-11-22T02:00:00Z',
  startedAt: '2026-11-22T02:00:00.000Z',
  handle: { backupId: 'b-1' },
  status: 'running',
  poll: { attempt: 0, waitSeconds: 10, deadline: '2026-11-22T02:30:00.000Z' },
};

describe('startBackup', () => {
  it('starts a backup marked as ours and sets up polling', async () => {
    const driver = fakeDriver();
    const deps = depsWith(driver);
    const state = await startBackup(
      { input: { deviceId: 'ar11-lab', occurrence: '2026-11-22T02:00:00Z' }, executionName: 'ar11-lab-20261122T0200Z', executionStartTime: '' },
      deps,
    );
    expect(driver.startBackup).toHaveBeenCalledWith({
      runId: runIdFor('ar11-lab-20261122T0200Z'),
      description: `backup-runner ${runIdFor('ar11-lab-20261122T0200Z')} ar11-lab-20261122T0200Z nightly`,
    });
    expect(state).toMatchObject({
      deviceId: 'ar11-lab',
      handle: { backupId: 'b-1' },
      status: 'running',
      occurrence: '2026-11-22T02:00:00Z',
      poll: { attempt: 0, waitSeconds: 10, deadline: '2026-11-22T02:30:00.000Z' },
    });
    expect(deps.secretNames).toEqual(['backup-runner/ar11-lab']);
    expect(deps.closed).toBe(1);
  });

  it('keeps the error type and adds the device id', async () => {
    const deps = depsWith(fakeDriver({ startBackup: async () => Promise.reject(new DeviceBusy('two backups on the device')) }));
    const error = await startBackup({ input: { deviceId: 'ar11-lab' }, executionName: 'x', executionStartTime: '' }, deps).catch((e) => e);
    expect(error).toBeInstanceOf(DeviceBusy);
    expect(error.name).toBe('DeviceBusy');
    expect(error.message).toBe('ar11-lab: two backups on the device');
    expect(deps.closed).toBe(1);
  });

  it('refuses an unknown device or missing input clearly', async () => {
    const deps = depsWith(fakeDriver());
    await expect(startBackup({ input: { deviceId: 'nope' }, executionName: 'x', executionStartTime: '' }, deps)).rejects.toThrow(
      'no device "nope" in the config',
    );
    await expect(startBackup({ input: {} as never, executionName: 'x', executionStartTime: '' }, deps)).rejects.toThrow(/needs a "deviceId"/);
  });

  it('a secret error names the device', async () => {
    const deps = { ...depsWith(fakeDriver()), secrets: { get: async () => Promise.reject(new SecretError('secret "s" not found')) } };
    await expect(startBackup({ input: { deviceId: 'ar11-lab' }, executionName: 'x', executionStartTime: '' }, deps)).rejects.toThrow(
      'ar11-lab: secret "s" not found',
    );
  });
});

describe('pollBackup', () => {
  it('backs off while running', async () => {
    const state = await pollBackup(running, depsWith(fakeDriver()));
    expect(state.status).toBe('running');
    expect(state.poll).toMatchObject({ attempt: 1, waitSeconds: 15 });
  });

  it('moves on when completed', async () => {
    const state = await pollBackup(running, depsWith(fakeDriver({ pollBackup: async () => ({ state: 'completed' }) })));
    expect(state.status).toBe('completed');
  });

  it('fails with the device reason', async () => {
    const deps = depsWith(fakeDriver({ pollBackup: async () => ({ state: 'failed', reason: 'disk full' }) }));
    const error = await pollBackup(running, deps).catch((e) => e);
    expect(error).toBeInstanceOf(DeviceOperationFailed);
    expect(error.message).toBe('ar11-lab: the device reports backup b-1 failed: disk full');
  });

  it('gives up after the deadline', async () => {
    const deps = depsWith(fakeDriver(), new Date('2026-11-22T02:31:00Z'));
    await expect(pollBackup(running, deps)).rejects.toBeInstanceOf(OperationTimedOut);
  });
});

describe('deleteDeviceCopy', () => {
  it('refuses while nothing is archived', async () => {
    const driver = fakeDriver();
    await expect(deleteDeviceCopy(running, depsWith(driver))).rejects.toThrow(/not archived yet/);
    expect(driver.deleteBackup).not.toHaveBeenCalled();
  });

  it('deletes once the manifest is written', async () => {
    const driver = fakeDriver();
    const archived = { ...running, status: 'completed' as const, archive: { bucket: 'b', key: 'k', manifestKey: 'k.manifest.json', size: 1, sha256: 'x' } };
    const state = await deleteDeviceCopy(archived, depsWith(driver));
    expect(driver.deleteBackup).toHaveBeenCalledWith({ backupId: 'b-1' });
    expect(state.cleanup).toEqual({ deviceCopyDeleted: true });
  });
});

describe('nextPollWait', () => {
  it.each([
    [0, 10],
    [1, 15],
    [2, 23],
    [3, 34],
    [5, 60],
    [50, 60],
  ])('attempt %i waits %i s', (attempt, seconds) => {
    expect(nextPollWait(attempt, { intervalSeconds: 10, maxIntervalSeconds: 60 })).toBe(seconds);
  });
});

describe('runIdFor', () => {
  it('is stable per execution and differs between executions', () => {
    expect(runIdFor('a')).toBe(runIdFor('a'));
    expect(runIdFor('a')).not.toBe(runIdFor('b'));
    expect(runIdFor('a')).toMatch(/^[0-9a-f]{10}$/);
  });
});
