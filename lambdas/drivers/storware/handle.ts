import { DeviceProtocolError } from '../../common/errors';
import type { BackupHandle } from '../driver';

/**
 * A Storware run starts one export task per protected entity. The handle (small flat JSON,
 * passed between steps) carries them as `task:<entity guid>` = task guid, in config order;
 * `backupId` is the task guids joined by commas (the manifest's device-side id), and
 * `startedAt` (epoch ms) bounds the search for a task's backup when the task does not name it.
 */
export interface StorwareRun {
  startedAt: number;
  tasks: Array<{ entity: string; task: string }>;
}

const TASK_KEY = 'task:';

export function encodeRunHandle(run: StorwareRun): BackupHandle {
  const handle: BackupHandle = { backupId: run.tasks.map((t) => t.task).join(','), startedAt: run.startedAt };
  for (const { entity, task } of run.tasks) handle[`${TASK_KEY}${entity}`] = task;
  return handle;
}

export function decodeRunHandle(handle: BackupHandle, deviceId: string): StorwareRun {
  const tasks = Object.entries(handle)
    .filter(([key]) => key.startsWith(TASK_KEY))
    .map(([key, value]) => ({ entity: key.slice(TASK_KEY.length), task: String(value) }));
  if (!tasks.length || typeof handle.startedAt !== 'number') {
    throw new DeviceProtocolError(`the run handle ${JSON.stringify(handle)} is not a Storware export handle (no task:<entity> entries or startedAt)`, { deviceId });
  }
  return { startedAt: handle.startedAt, tasks };
}
