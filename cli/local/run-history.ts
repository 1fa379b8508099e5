import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from '../../lambdas/common/log';
import type { BackupRunRecord, RestoreRecord, SkippedRunRecord } from '../../lambdas/report/report-input';
import type { LocalRestoreResult } from './run-restore';
import { stateDirectory } from './state-dir';
import type { LocalRunResult } from './run-backups';

/**
 * The run history of local commands, for `backup-runner report`: the archive knows the backups
 * that succeeded, not the runs that failed or the restores that were drilled, so `run`, `drill`
 * and `restore` append one JSON line per run to `<state dir>/history/<YYYY-MM>.jsonl` (the state
 * dir is `.backup-runner`, where the embedded S3 lives too). It is this machine's history: runs
 * from another machine or from a deployed stack are not in it. Months older than
 * HISTORY_KEEP_DAYS are deleted when a record is added.
 */

export const HISTORY_KEEP_DAYS = 400;

const iso = z.iso.datetime({ offset: true });
const status = z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'RUNNING']);

const backupLine = z.object({
  kind: z.literal('backup'),
  device: z.string().min(1),
  executionName: z.string().min(1),
  status,
  startedAt: iso,
  stoppedAt: iso.optional(),
  occurrence: iso.nullable().optional(),
  key: z.string().optional(),
  size: z.number().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
const restoreLine = z.object({
  kind: z.literal('restore'),
  device: z.string().min(1),
  target: z.string().min(1),
  executionName: z.string().min(1),
  status,
  startedAt: iso,
  stoppedAt: iso.optional(),
  drill: z.boolean().optional(),
  recoveryMs: z.number().nullable().optional(),
  withErrors: z.boolean().optional(),
  key: z.string().nullable().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
const skipLine = z.object({
  kind: z.literal('skip'),
  device: z.string().min(1),
  occurrence: iso.nullable().optional(),
  at: iso,
  reason: z.string().min(1),
  message: z.string().optional(),
});
const historyLine = z.discriminatedUnion('kind', [backupLine, restoreLine, skipLine]);

export type HistoryLine = z.input<typeof historyLine>;

export interface RunHistory {
  runs: BackupRunRecord[];
  restores: RestoreRecord[];
  skips: SkippedRunRecord[];
  /** Lines that could not be read, by file and line: said in the report, never fatal. */
  notes: string[];
}

export interface LocalRunHistory {
  /** The folder, for people. */
  readonly directory: string;
  append(lines: readonly HistoryLine[], now?: Date): Promise<void>;
  /** Every record of the months from `since` on. */
  read(since: Date): Promise<RunHistory>;
}

/** The history under `<stateDir>/history`. */
export function localRunHistory(stateDir = stateDirectory()): LocalRunHistory {
  const directory = join(stateDir, 'history');
  return {
    directory,
    async append(lines, now = new Date()) {
      if (!lines.length) return;
      const checked = lines.map((line) => historyLine.parse(line));
      await mkdir(directory, { recursive: true });
      const byMonth = new Map<string, string[]>();
      for (const line of checked) {
        const month = monthOf(line.kind === 'skip' ? line.at : line.startedAt);
        byMonth.set(month, [...(byMonth.get(month) ?? []), JSON.stringify(line)]);
      }
      for (const [month, text] of byMonth) await appendFile(join(directory, `${month}.jsonl`), `${text.join('\n')}\n`, { mode: 0o600 });
      await forgetOldMonths(directory, now);
    },
    async read(since) {
      const history: RunHistory = { runs: [], restores: [], skips: [], notes: [] };
      let files: string[];
      try {
        files = (await readdir(directory)).filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f) && f.slice(0, 7) >= monthOf(since.toISOString())).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return history;
        throw error;
      }
      for (const file of files) {
        const lines = (await readFile(join(directory, file), 'utf8')).split('\n');
        lines.forEach((text, index) => {
          if (!text.trim()) return;
          let parsed;
          try {
            parsed = historyLine.safeParse(JSON.parse(text));
          } catch {
            parsed = undefined;
          }
          if (!parsed?.success) {
            history.notes.push(`${join(directory, file)} line ${index + 1} is not a history record; left out.`);
            return;
          }
          addRecord(history, parsed.data);
        });
      }
      return history;
    },
  };
}

function addRecord(history: RunHistory, line: z.output<typeof historyLine>): void {
  const date = (v: string | undefined) => (v ? new Date(v) : undefined);
  switch (line.kind) {
    case 'backup':
      history.runs.push({
        deviceId: line.device,
        executionName: line.executionName,
        status: line.status,
        startedAt: new Date(line.startedAt),
        stoppedAt: date(line.stoppedAt),
        occurrence: line.occurrence ? new Date(line.occurrence) : null,
        error: line.error,
        cause: line.cause,
      });
      return;
    case 'restore':
      history.restores.push({
        deviceId: line.device,
        targetDeviceId: line.target,
        executionName: line.executionName,
        status: line.status,
        startedAt: new Date(line.startedAt),
        stoppedAt: date(line.stoppedAt),
        recoveryMs: line.recoveryMs ?? null,
        withErrors: line.withErrors,
        drill: line.drill,
        key: line.key ?? null,
        error: line.error,
        cause: line.cause,
      });
      return;
    case 'skip':
      history.skips.push({ deviceId: line.device, occurrence: line.occurrence ? new Date(line.occurrence) : null, at: new Date(line.at), reason: line.reason, message: line.message });
  }
}

/** The history line of a local backup run that just ended (`stoppedAt`). */
export function backupHistoryLine(result: LocalRunResult, stoppedAt: Date): HistoryLine {
  return {
    kind: 'backup',
    device: result.device,
    executionName: result.executionName,
    status: result.status,
    startedAt: new Date(stoppedAt.getTime() - result.durationMs).toISOString(),
    stoppedAt: stoppedAt.toISOString(),
    occurrence: null,
    ...(result.key ? { key: result.key } : {}),
    ...(result.size !== undefined ? { size: result.size } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.cause ? { cause: result.cause } : {}),
  };
}

/** The history line of a local restore that just ended; undefined for a dry run (a plan restores nothing). */
export function restoreHistoryLine(result: LocalRestoreResult, run: { device: string; target: string; drill: boolean }, stoppedAt: Date): HistoryLine | undefined {
  if (result.state?.dryRun) return undefined;
  const outcome = result.state?.outcome;
  return {
    kind: 'restore',
    device: run.device,
    target: run.target,
    executionName: result.executionName,
    status: result.status,
    startedAt: new Date(stoppedAt.getTime() - result.durationMs).toISOString(),
    stoppedAt: stoppedAt.toISOString(),
    drill: run.drill,
    recoveryMs: outcome?.recoveryMs ?? null,
    withErrors: outcome?.withErrors === true,
    key: result.state?.backup.key ?? null,
    ...(result.error ? { error: result.error } : {}),
    ...(result.cause ? { cause: result.cause } : {}),
  };
}

function monthOf(isoTime: string): string {
  return isoTime.slice(0, 7);
}

async function forgetOldMonths(directory: string, now: Date): Promise<void> {
  const oldest = monthOf(new Date(now.getTime() - HISTORY_KEEP_DAYS * 86_400_000).toISOString());
  for (const file of await readdir(directory)) {
    if (/^\d{4}-\d{2}\.jsonl$/.test(file) && file.slice(0, 7) < oldest) await rm(join(directory, file), { force: true });
  }
}

/**
 * Appends to this machine's history (`.backup-runner/history`). A history that cannot be written
 * costs the report a record, never the run: a warning, not an error.
 */
export async function recordHistory(lines: readonly (HistoryLine | undefined)[], log: Log, history: LocalRunHistory = localRunHistory()): Promise<void> {
  const records = lines.filter((l): l is HistoryLine => l !== undefined);
  try {
    await history.append(records);
  } catch (error) {
    log.warn(`could not record ${records.length} run(s) in ${history.directory} for \`backup-runner report\`: ${error instanceof Error ? error.message : String(error)}`);
  }
}
