import { ConfigError, DeviceOperationFailed, DeviceProtocolError } from '../../common/errors';
import type { Log } from '../../common/log';
import type { StorwareDeviceConfig } from '../../config/schema';
import type { ArchivedBackupFacts, RestoreDriver, RestoreHandle, RestoreProgress } from '../driver';
import type { StorwareClient } from './client';
import { storwarePaths } from './paths';
import { taskPhase, type TaskPhase } from './progress';
import { backupsInRecordDocument, STORWARE_RECORD_FORMAT } from './record';
import { parseCreatedTask, type StorwareTask } from './responses';
import type { StorwareSession } from './session';

/** The archived record is a short JSON document; anything bigger is not one of ours. */
const MAX_RECORD_BYTES = 8 * 1024 * 1024;
const BACKUP_KEY = 'backup:';
const TASK_KEY = 'restoreTask:';
/** IMPORT tasks of the entity's backup that existed before this restore (an earlier restore's): never taken for ours. */
const IMPORTS_BEFORE_KEY = 'importsBefore:';

/**
 * Restoring a Storware backup: the archive holds the backup records, not the data, so the
 * "upload" reads the archived record back for the backup guids and checks that Storware still
 * has each backup; the restore is `POST /api/tasks/restore-and-import` per backup with the
 * target from `devices[].restore`, followed to its end. Nothing is uploaded, so nothing is removed.
 */
export function createStorwareRestore(deps: {
  device: StorwareDeviceConfig;
  client: StorwareClient;
  session: StorwareSession;
  log: Log;
  now: () => Date;
}): RestoreDriver {
  const { device, client, session, log } = deps;
  const deviceId = device.id;

  return {
    async checkCompatibility(backup: ArchivedBackupFacts): Promise<string[]> {
      const reasons: string[] = [];
      if (backup.deviceType !== 'storware') reasons.push(`the backup was made by a ${backup.deviceType} device; this is a Storware server`);
      if (backup.details.format !== STORWARE_RECORD_FORMAT) {
        reasons.push(`the archived object is not a Storware backup record document (details.format is ${JSON.stringify(backup.details.format ?? null)})`);
      }
      if (!device.restore) reasons.push(`devices[].restore is not configured for ${deviceId}: name the hypervisor or hypervisorManager to restore and import into`);
      return reasons;
    },

    async uploadBackup(upload): Promise<RestoreHandle> {
      const text = await readSmall(await upload.open(), deviceId);
      const backups = backupsInRecordDocument(text, deviceId);
      const handle: RestoreHandle = {};
      for (const { entity, backup } of backups) {
        const record = await client.backup(backup);
        if (record.statusName !== 'SUCCESS') {
          throw new DeviceOperationFailed(`backup ${backup} of entity ${entity} is ${record.statusName} in Storware now; only a SUCCESS backup can be restored`, { deviceId });
        }
        handle[`${BACKUP_KEY}${entity}`] = backup;
      }
      log.info('Storware backups to restore are present', { device: deviceId, backups: backups.map((b) => b.backup) });
      return handle;
    },

    async startRestore(handle: RestoreHandle): Promise<RestoreHandle> {
      const target = device.restore;
      if (!target) throw new ConfigError(`${deviceId}: devices[].restore is not configured; name the hypervisor or hypervisorManager to restore into`);
      const started: RestoreHandle = { ...handle, startedAt: deps.now().getTime() };
      const earlierImports = (await client.listTasks()).filter((t) => t.typeName === 'IMPORT');
      for (const [key, value] of Object.entries(handle)) {
        if (!key.startsWith(BACKUP_KEY)) continue;
        const entity = key.slice(BACKUP_KEY.length);
        started[`${IMPORTS_BEFORE_KEY}${entity}`] = earlierImports
          .filter((t) => t.backup?.guid === String(value))
          .map((t) => t.guid)
          .join(',');
        const body = {
          backup: { guid: String(value) },
          ...(target.hypervisor ? { hypervisor: { guid: target.hypervisor } } : {}),
          ...(target.hypervisorManager ? { hypervisorManager: { guid: target.hypervisorManager } } : {}),
          ...(target.storage ? { restoreStorageId: target.storage } : {}),
          ...(target.restoredName ? { restoredPeName: target.restoredName } : {}),
          overwrite: target.overwrite,
        };
        const task = parseCreatedTask(
          await session.json({ method: 'POST', path: storwarePaths.restoreAndImport, json: body }),
          deviceId,
          `the answer of POST ${storwarePaths.restoreAndImport}`,
        );
        started[`${TASK_KEY}${key.slice(BACKUP_KEY.length)}`] = task.guid;
        log.info('Storware restore-and-import started', { device: deviceId, backup: value, task: task.guid });
      }
      return started;
    },

    /**
     * Done only when, per backup, the RESTORE task has finished and then the IMPORT task that
     * follows it (created by Storware when the RESTORE ends; inferred from the integration guide,
     * device-apis.md) has finished too: a finished RESTORE with a failed IMPORT is no restored VM.
     * The IMPORT task is the one for the same backup that did not exist before this restore.
     */
    async pollRestore(handle: RestoreHandle): Promise<RestoreProgress> {
      const tasks = Object.entries(handle).filter(([key]) => key.startsWith(TASK_KEY));
      if (!tasks.length) throw new DeviceProtocolError(`the restore handle names no restore task; was startRestore called?`, { deviceId });
      const running: string[] = [];
      const failed: string[] = [];
      let allTasks: Promise<StorwareTask[]> | undefined;
      for (const [key, guid] of tasks) {
        const entity = key.slice(TASK_KEY.length);
        const restorePhase = knownPhase(await client.task(String(guid)), 'restore task', deviceId);
        if (restorePhase.phase === 'running') running.push(`${entity}: ${restorePhase.detail}`);
        if (restorePhase.phase === 'failed') failed.push(`entity ${entity}: ${restorePhase.reason}`);
        if (restorePhase.phase !== 'finished') continue;
        const backup = String(handle[`${BACKUP_KEY}${entity}`]);
        const before = new Set(String(handle[`${IMPORTS_BEFORE_KEY}${entity}`] ?? '').split(',').filter(Boolean));
        allTasks ??= client.listTasks();
        const importTask = (await allTasks).find((t) => t.typeName === 'IMPORT' && t.backup?.guid === backup && !before.has(t.guid));
        if (!importTask) {
          running.push(`${entity}: restore task finished, waiting for its import task`);
          continue;
        }
        const importPhase = knownPhase(importTask, 'import task', deviceId);
        if (importPhase.phase === 'running') running.push(`${entity}: ${importPhase.detail.replace(/^task/, 'import task')}`);
        if (importPhase.phase === 'failed') failed.push(`entity ${entity}: the restore task finished, but ${importPhase.reason}`);
      }
      if (failed.length) return { state: 'failed', reason: failed.join('; ') };
      if (running.length) return { state: 'running', detail: running.join(', ') };
      return { state: 'completed', withErrors: false, detail: `${tasks.length} restore and import task pair${tasks.length === 1 ? '' : 's'} finished` };
    },

    async removeUploaded(): Promise<void> {
      // Nothing was uploaded: the data never left Storware.
    },
  };
}

function knownPhase(task: StorwareTask, what: string, deviceId: string): Exclude<TaskPhase, { phase: 'unknown' }> {
  const phase = taskPhase(task, what);
  if (phase.phase === 'unknown') throw new DeviceProtocolError(`${what} ${task.guid} has unknown state "${phase.status}"`, { deviceId });
  return phase;
}

async function readSmall(stream: AsyncIterable<unknown> & { destroy?: () => void }, deviceId: string): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    length += buffer.length;
    if (length > MAX_RECORD_BYTES) {
      stream.destroy?.();
      throw new DeviceProtocolError(`the archived Storware record is larger than ${MAX_RECORD_BYTES} bytes: it is not a backup record document`, { deviceId });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
