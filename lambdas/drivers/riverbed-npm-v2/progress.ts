import type { BackupProgress } from '../driver';
import type { NpmV2CompletedBackup, NpmV2DeviceStatus, NpmV2OperationInfo } from './responses';

/** Which backup a run is after: the name it gave (unique per run) and the id once the device told it. */
export interface RunIdentity {
  name: string;
  backupId?: string;
}

const matches = (info: { name?: string | null; backup_id?: string | null; id?: string }, run: RunIdentity) =>
  info.name === run.name || (run.backupId !== undefined && (info.backup_id === run.backupId || info.id === run.backupId));

/** `started | completed | failed | aborted` as the workflow's words; undefined for a status we do not know. */
export function progressOfStatus(status: string | null | undefined, what: string, message: string | null | undefined): BackupProgress | undefined {
  switch ((status ?? '').toLowerCase()) {
    case 'started':
      return { state: 'running', detail: message || 'started' };
    case 'completed':
      return { state: 'completed', ...(message ? { detail: message } : {}) };
    case 'failed':
    case 'aborted':
      return { state: 'failed', reason: `${what} ${String(status).toLowerCase()} on the device: ${message || 'no status_message given'}` };
    default:
      return undefined;
  }
}

/**
 * Where a run stands, from device_status alone: its current operation (progress steps), then
 * latest_backup. Undefined when device_status does not mention it (another operation came
 * after ours): the caller then looks in the server's completed list. Pure.
 */
export function progressFromDeviceStatus(status: NpmV2DeviceStatus, run: RunIdentity): BackupProgress | undefined {
  const current = status.current_operation;
  if (current && current.info.operation_type === 'backup' && (matches(current.info, run) || (!current.info.name && !current.info.backup_id))) {
    const p = current.progress;
    const steps = p ? `step ${p.completed}/${p.total}${p.status_message ? `: ${p.status_message}` : ''}` : 'running';
    return { state: 'running', detail: steps };
  }
  const latest: NpmV2OperationInfo | null | undefined = status.latest_backup;
  if (latest && matches(latest, run)) return progressOfStatus(latest.status, `backup "${run.name}"`, latest.status_message);
  return undefined;
}

/** The completed backup of this run in a server's list (by id when known, else by the run's name). */
export function findRunBackup(list: readonly NpmV2CompletedBackup[], run: RunIdentity): NpmV2CompletedBackup | undefined {
  return list.find((b) => (run.backupId !== undefined && b.id === run.backupId) || b.name === run.name);
}

/** The restore's end from device_status.latest_restore: ours when it names our backup and started no earlier than we asked. Pure. */
export function restoreProgressFromDeviceStatus(
  status: NpmV2DeviceStatus,
  restore: { backupId: string; startedAtSeconds: number },
): { state: 'running'; detail: string } | { state: 'completed'; withErrors: boolean; detail?: string } | { state: 'failed'; reason: string } {
  const current = status.current_operation;
  if (current && current.info.operation_type === 'restore') {
    const p = current.progress;
    return { state: 'running', detail: p ? `restore step ${p.completed}/${p.total}${p.status_message ? `: ${p.status_message}` : ''}` : 'restore running' };
  }
  const latest = status.latest_restore;
  // Device clocks and ours differ by a little; a restore started within a minute before our request counts.
  const ours = latest && (latest.backup_id === restore.backupId || latest.backup_id == null) && (latest.start_time ?? 0) >= restore.startedAtSeconds - 60;
  if (!latest || !ours) return { state: 'running', detail: 'the device does not report this restore yet' };
  switch ((latest.status ?? '').toLowerCase()) {
    case 'completed':
      return { state: 'completed', withErrors: false, ...(latest.status_message ? { detail: latest.status_message } : {}) };
    case 'failed':
    case 'aborted':
      return { state: 'failed', reason: `restore of backup ${restore.backupId} ${String(latest.status).toLowerCase()} on the device: ${latest.status_message || 'no status_message given'}` };
    default:
      return { state: 'running', detail: latest.status_message || String(latest.status) };
  }
}
