import type { NpmBackup } from './responses';

/** The appliance keeps at most this many backups (device-apis.md). */
export const MAX_BACKUPS_ON_DEVICE = 2;

export type RoomPlan =
  | { action: 'none' }
  | { action: 'delete'; backups: NpmBackup[] }
  | { action: 'busy'; reason: string };

const IN_PROGRESS = new Set(['started', 'uploading']);

/**
 * Which backups to delete so that one more fits: only backups this runner made (description
 * starts with the marker), oldest first, never one still in progress. When that cannot make
 * room, nothing is deleted and the reason says why (someone must decide about the others).
 */
export function planRoomForBackup(existing: readonly NpmBackup[], marker: string): RoomPlan {
  const excess = existing.length - (MAX_BACKUPS_ON_DEVICE - 1);
  if (excess <= 0) return { action: 'none' };

  const ours = existing.filter((b) => (b.description ?? '').startsWith(marker));
  const deletable = ours
    .filter((b) => !IN_PROGRESS.has((b.status ?? '').toLowerCase()))
    .map((backup, index) => ({ backup, index }))
    // Oldest first; without a backup_time keep the device's order (it lists oldest first in practice).
    .sort((a, b) => (a.backup.backup_time ?? 0) - (b.backup.backup_time ?? 0) || a.index - b.index)
    .map((entry) => entry.backup);

  if (deletable.length >= excess) return { action: 'delete', backups: deletable.slice(0, excess) };

  const theirs = existing.length - ours.length;
  const running = ours.length - deletable.length;
  const parts = [`the device holds ${existing.length} backups (it keeps at most ${MAX_BACKUPS_ON_DEVICE})`];
  if (theirs > 0) parts.push(`${theirs} not made by the runner (description not starting with "${marker}")`);
  if (running > 0) parts.push(`${running} made by the runner still in progress`);
  return {
    action: 'busy',
    reason: `${parts.join(', ')}; nothing was deleted. ${theirs > 0 ? 'Delete a backup on the device to make room, or wait.' : 'Wait for it to finish.'}`,
  };
}
