import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog, type Log } from '../../../lambdas/common/log';
import { backupHistoryLine, localRunHistory, recordHistory, restoreHistoryLine } from '../../../cli/local/run-history';
import type { LocalRunResult } from '../../../cli/local/run-backups';
import type { LocalRestoreResult } from '../../../cli/local/run-restore';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failedRun: LocalRunResult = { device: 'ar11', status: 'FAILED', executionName: 'ar11-manual-20261122T020000Z', error: 'DeviceUnreachable', cause: 'ar11: connect ECONNREFUSED', durationMs: 90_000 };

describe('the local run history', () => {
  it('appends runs, restores and skips per month and reads them back as report records', async () => {
    const history = localRunHistory(dir);
    const stopped = new Date('2026-11-22T02:01:30Z');
    await history.append([
      backupHistoryLine(failedRun, stopped),
      backupHistoryLine({ device: 'ar11', status: 'SUCCEEDED', executionName: 'ar11-manual-20261031T230000Z', key: 'k', size: 5, durationMs: 1000 }, new Date('2026-10-31T23:00:01Z')),
      { kind: 'skip', device: 'ar12', occurrence: '2026-11-21T02:00:00Z', at: '2026-11-21T02:05:00Z', reason: 'running' },
    ]);
    expect((await readdir(join(dir, 'history'))).sort()).toEqual(['2026-10.jsonl', '2026-11.jsonl']);
    const read = await history.read(new Date('2026-10-01T00:00:00Z'));
    expect(read.runs).toEqual([
      { deviceId: 'ar11', executionName: 'ar11-manual-20261031T230000Z', status: 'SUCCEEDED', startedAt: new Date('2026-10-31T23:00:00Z'), stoppedAt: new Date('2026-10-31T23:00:01Z'), occurrence: null, error: undefined, cause: undefined },
      { deviceId: 'ar11', executionName: failedRun.executionName, status: 'FAILED', startedAt: new Date('2026-11-22T02:00:00Z'), stoppedAt: stopped, occurrence: null, error: 'DeviceUnreachable', cause: 'ar11: connect ECONNREFUSED' },
    ]);
    expect(read.skips).toEqual([{ deviceId: 'ar12', occurrence: new Date('2026-11-21T02:00:00Z'), at: new Date('2026-11-21T02:05:00Z'), reason: 'running', message: undefined }]);
    expect((await history.read(new Date('2026-11-05T00:00:00Z'))).runs).toHaveLength(1); // whole months from `since`
  });

  it('a restore is recorded with its recovery time; a dry run is not a restore', () => {
    const restore = {
      status: 'SUCCEEDED',
      executionName: 'ar11-standby-restore-x',
      durationMs: 200_000,
      state: { dryRun: false, backup: { key: 'backups/ar11/k.tgz' }, outcome: { recoveryMs: 190_000, withErrors: false } },
    } as unknown as LocalRestoreResult;
    expect(restoreHistoryLine(restore, { device: 'ar11', target: 'ar11-standby', drill: true }, new Date('2026-11-22T10:00:00Z'))).toEqual({
      kind: 'restore',
      device: 'ar11',
      target: 'ar11-standby',
      executionName: 'ar11-standby-restore-x',
      status: 'SUCCEEDED',
      startedAt: '2026-11-22T09:56:40.000Z',
      stoppedAt: '2026-11-22T10:00:00.000Z',
      drill: true,
      recoveryMs: 190_000,
      withErrors: false,
      key: 'backups/ar11/k.tgz',
    });
    const plan = { ...restore, state: { ...restore.state, dryRun: true } } as LocalRestoreResult;
    expect(restoreHistoryLine(plan, { device: 'ar11', target: 'ar11', drill: false }, new Date())).toBeUndefined();
  });

  it('a line that is not a record is left out and named, the rest is read', async () => {
    const history = localRunHistory(dir);
    await history.append([backupHistoryLine(failedRun, new Date('2026-11-22T02:01:30Z'))]);
    const file = join(dir, 'history', '2026-11.jsonl');
    await writeFile(file, `${await readFile(file, 'utf8')}{"kind":"backup","device":"x"}\nnot json\n`);
    const read = await history.read(new Date('2026-11-01T00:00:00Z'));
    expect(read.runs).toHaveLength(1);
    expect(read.notes).toEqual([`${file} line 2 is not a history record; left out.`, `${file} line 3 is not a history record; left out.`]);
  });

  it('months older than 400 days are forgotten when a record is added', async () => {
    const history = localRunHistory(dir);
    await history.append([backupHistoryLine(failedRun, new Date('2025-01-10T00:00:00Z'))], new Date('2025-01-10T00:00:00Z'));
    await history.append([backupHistoryLine(failedRun, new Date('2026-11-22T02:01:30Z'))], new Date('2026-11-22T02:01:30Z'));
    expect(await readdir(join(dir, 'history'))).toEqual(['2026-11.jsonl']);
  });

  it('a history that cannot be written costs a warning, never the run', async () => {
    await writeFile(join(dir, 'history'), 'a file where the folder should be');
    const warnings: string[] = [];
    const log: Log = { ...silentLog, warn: (message) => warnings.push(message) };
    await recordHistory([backupHistoryLine(failedRun, new Date())], log, localRunHistory(dir));
    expect(warnings).toEqual([expect.stringMatching(/^could not record 1 run\(s\) in .*history for `backup-runner report`: /)]);
  });

  it('reading a history that was never written is an empty history', async () => {
    expect(await localRunHistory(join(dir, 'nowhere')).read(new Date(0))).toEqual({ runs: [], restores: [], skips: [], notes: [] });
  });
});
