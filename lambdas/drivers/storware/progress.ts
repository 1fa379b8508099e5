import type { StorwareBackup, StorwareTask } from './responses';

/**
 * The pure rules that turn Storware's task and backup statuses into the workflow's words.
 * Everything a device reports that we do not know is `unknown`: the driver makes it a protocol
 * error rather than guessing.
 */

export type TaskPhase = { phase: 'running'; detail: string } | { phase: 'finished' } | { phase: 'failed'; reason: string } | { phase: 'unknown'; status: string };

const TASK_RUNNING = new Set(['QUEUED', 'RUNNING', 'PAUSED', 'WAITING', 'CANCELLING']);

/** `what` names the task in reasons: "export task", "restore task", "import task". */
export function taskPhase(task: StorwareTask, what = 'export task'): TaskPhase {
  const state = task.stateName ?? '';
  if (TASK_RUNNING.has(state)) {
    const percent = typeof task.progress === 'number' ? ` ${Math.round(task.progress)}%` : '';
    return { phase: 'running', detail: `task ${state.toLowerCase()}${percent}` };
  }
  if (state === 'FINISHED') return { phase: 'finished' };
  if (state === 'FAILED' || state === 'CANCELLED') {
    return { phase: 'failed', reason: `${what} ${task.guid} ${state.toLowerCase()}: ${task.statusInfo || 'Storware gave no statusInfo'}` };
  }
  return { phase: 'unknown', status: state || '(none)' };
}

export type BackupPhase = { phase: 'running'; detail: string } | { phase: 'success' } | { phase: 'failed'; reason: string } | { phase: 'unknown'; status: string };

/**
 * SUCCESS commits. PARTIAL_SUCCESS is a failure: some disks or files are missing from the
 * backup, and an archive that calls it good would hide that until the restore. SUCCESS_REMOVED
 * means the data is gone from the destination: nothing to vouch for.
 */
export function backupPhase(backup: StorwareBackup, warnings: readonly string[]): BackupPhase {
  // Storware often repeats statusInfo among the warnings: say each thing once.
  const info = [...new Set([backup.statusInfo, ...warnings].filter((w): w is string => Boolean(w)))].join('; ');
  switch (backup.statusName) {
    case 'QUEUED':
    case 'INPROGRESS':
    case 'IN_PROGRESS':
      return { phase: 'running', detail: `backup ${backup.statusName.toLowerCase()}` };
    case 'SUCCESS':
      return { phase: 'success' };
    case 'PARTIAL_SUCCESS':
      return { phase: 'failed', reason: `backup ${backup.guid} ended PARTIAL_SUCCESS (${info || 'no reason given'}); not archived as good` };
    case 'FAILED':
      return { phase: 'failed', reason: `backup ${backup.guid} FAILED: ${info || 'no statusInfo given'}` };
    case 'SUCCESS_REMOVED':
      return { phase: 'failed', reason: `backup ${backup.guid} is SUCCESS_REMOVED: its data was removed from the backup destination` };
    default:
      return { phase: 'unknown', status: backup.statusName };
  }
}

/** One entity's progress, combined: the task first, then its backup record. */
export type EntityProgress = { state: 'running'; detail: string } | { state: 'completed' } | { state: 'failed'; reason: string };

/** All entities of a run: failed as soon as one failed, completed when all are, else running. Pure. */
export function combineProgress(entities: ReadonlyArray<{ entity: string; progress: EntityProgress }>):
  | { state: 'running'; detail: string }
  | { state: 'completed'; detail: string }
  | { state: 'failed'; reason: string } {
  const failed = entities.filter((e) => e.progress.state === 'failed');
  if (failed.length) {
    return { state: 'failed', reason: failed.map((e) => `entity ${e.entity}: ${(e.progress as { reason: string }).reason}`).join('; ') };
  }
  const running = entities.filter((e) => e.progress.state === 'running');
  if (running.length) {
    const done = entities.length - running.length;
    return { state: 'running', detail: `${done}/${entities.length} done; ${running.map((e) => `${e.entity}: ${(e.progress as { detail: string }).detail}`).join(', ')}` };
  }
  return { state: 'completed', detail: `${entities.length} backup${entities.length === 1 ? '' : 's'} SUCCESS` };
}
