/**
 * The Storware server's records and the pure rules that turn times into the statuses the API
 * reports. Statuses are computed when asked, so no timers run.
 */
import type { StorwareBackupStatus, StorwareTaskType } from './types';

export interface TaskEntry {
  guid: string;
  type: StorwareTaskType;
  entity: string;
  createdAt: number;
  finishesAt: number;
  /** Set when the task ends FAILED. */
  failure?: string;
  backup?: string;
  omitBackup: boolean;
  body: unknown;
  /** RESTORE only: how the IMPORT task that follows it will go (decided when the restore was asked for). */
  importPlan?: { durationMs: number; failure?: string };
  /** RESTORE only: the IMPORT task it spawned once it finished. */
  importTask?: string;
}

export interface BackupEntry {
  guid: string;
  entity: string;
  type: 'FULL' | 'INCREMENTAL';
  snapshotTime: number;
  /** When the record reaches its final status. */
  readyAt: number;
  final: StorwareBackupStatus;
  statusInfo?: string;
  size: number;
}

export function taskState(task: TaskEntry, now: number): 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' {
  if (now < task.createdAt + Math.min(50, (task.finishesAt - task.createdAt) / 4)) return 'QUEUED';
  if (now < task.finishesAt) return 'RUNNING';
  return task.failure ? 'FAILED' : 'FINISHED';
}

export function backupStatus(backup: BackupEntry, now: number): StorwareBackupStatus {
  return now < backup.readyAt ? 'INPROGRESS' : backup.final;
}

const enumOf = (name: string) => ({ name, description: name.charAt(0) + name.slice(1).toLowerCase().replaceAll('_', ' ') });

export function taskView(task: TaskEntry, entityName: string, now: number): Record<string, unknown> {
  const state = taskState(task, now);
  const span = Math.max(1, task.finishesAt - task.createdAt);
  return {
    guid: task.guid,
    type: enumOf(task.type),
    state: enumOf(state),
    progress: state === 'FINISHED' || state === 'FAILED' ? 100 : Math.max(0, Math.min(99, Math.floor(((now - task.createdAt) / span) * 100))),
    protectedEntity: { guid: task.entity, name: entityName },
    ...(task.failure && state === 'FAILED' ? { statusInfo: task.failure } : {}),
    // An export names the backup it made once finished; a restore or import names the backup it works on from the start.
    ...(task.backup && (task.type !== 'EXPORT' || state === 'FINISHED') && !task.omitBackup ? { backup: { guid: task.backup } } : {}),
  };
}

export function backupView(backup: BackupEntry, entityName: string, now: number): Record<string, unknown> & { guid: string } {
  const status = backupStatus(backup, now);
  const done = status !== 'INPROGRESS' && status !== 'QUEUED';
  return {
    guid: backup.guid,
    snapshotTime: backup.snapshotTime,
    ...(done ? { backupTime: backup.readyAt } : {}),
    status: enumOf(status),
    type: enumOf(backup.type),
    protectedEntity: { guid: backup.entity, name: entityName },
    size: done ? backup.size : 0,
    ...(done && backup.statusInfo ? { statusInfo: backup.statusInfo, warnings: [backup.statusInfo] } : {}),
  };
}

/**
 * One page of a list, as Storware's list endpoints take `page` (zero-based: Storware's own UI
 * starts at page 0) and `size` (seed 004 lists both for GET /backups). Assumption: without
 * `size` the server still pages, at its own default size, so a client that does not page sees
 * only the first page (the less convenient reading: the seed does not say).
 */
export function pageOf<T>(items: readonly T[], query: URLSearchParams, defaultSize: number): T[] {
  const page = Math.max(0, Number(query.get('page') ?? 0) || 0);
  const size = Math.max(1, Number(query.get('size') ?? defaultSize) || defaultSize);
  return items.slice(page * size, page * size + size);
}

/** The seed's GET /backups filters: from/to (epoch ms, on the snapshot time), status (repeatable), protected-entity. Pure. */
export function filterBackups(
  backups: readonly BackupEntry[],
  query: URLSearchParams,
  now: number,
): BackupEntry[] {
  const from = query.get('from');
  const to = query.get('to');
  const statuses = query.getAll('status').flatMap((s) => s.split(',')).filter(Boolean);
  const entity = query.get('protected-entity');
  return backups.filter(
    (b) =>
      (from === null || b.snapshotTime >= Number(from)) &&
      (to === null || b.snapshotTime <= Number(to)) &&
      (entity === null || b.entity === entity) &&
      (statuses.length === 0 || statuses.includes(backupStatus(b, now))),
  );
}
