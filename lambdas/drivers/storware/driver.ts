import { Readable } from 'node:stream';
import { ConfigError, DeviceProtocolError } from '../../common/errors';
import type { StorwareDeviceConfig } from '../../config/schema';
import type { Artifact, BackupHandle, BackupProgress, Driver, DriverContext, DriverFactory, StartBackupRequest } from '../driver';
import { StorwareClient } from './client';
import { decodeRunHandle, encodeRunHandle } from './handle';
import { storwarePaths } from './paths';
import { combineProgress } from './progress';
import { serializeRecordDocument, STORWARE_RECORD_FORMAT, type StorwareRecordEntry } from './record';
import { parseCreatedTask, storwareEnum } from './responses';
import { createStorwareRestore } from './restore';
import { parseStorwareCredentials } from './secret';
import { StorwareSession } from './session';

/**
 * Storware Backup & Recovery (vProtect): the runner starts one export task per protected entity,
 * follows each task and then its backup record, and archives the records themselves (JSON):
 * Storware keeps the data in its own destinations and has no whole-backup download.
 */
export const createStorwareDriver: DriverFactory = (context: DriverContext): Driver => {
  const device = asStorware(context.device);
  const { http, log } = context;
  const deviceId = device.id;
  const session = new StorwareSession({
    deviceId,
    secretName: device.secret,
    credentials: parseStorwareCredentials(context.secret, device.secret, deviceId),
    http,
    log,
  });
  const client = new StorwareClient(session, deviceId, log);

  const progressOfAll = async (handle: BackupHandle) => {
    const run = decodeRunHandle(handle, deviceId);
    // One entity after another: a handful of GETs per poll, and the session is shared.
    const entities = [];
    for (const { entity, task } of run.tasks) {
      const { progress, backupGuid } = await client.entityProgress(entity, task, run.startedAt, device.backupType);
      entities.push({ entity, task, progress, ...(backupGuid ? { backupGuid } : {}) });
    }
    return { run, entities, combined: combineProgress(entities) };
  };

  return {
    type: 'storware',

    async startBackup(request: StartBackupRequest): Promise<BackupHandle> {
      const startedAt = context.now().getTime();
      const windowEnd = startedAt + device.poll.timeoutMinutes * 60_000;
      const tasks: Array<{ entity: string; task: string }> = [];
      for (const entity of device.protectedEntities) {
        const body = {
          protectedEntities: [{ guid: entity }],
          // Storware takes every enum as an EnumNameAndDescription object; a bare "FULL" is refused with 400.
          backupType: storwareEnum(device.backupType),
          ...(device.priority !== undefined ? { priority: device.priority } : {}),
          windowStart: startedAt,
          windowEnd,
          ...(device.backupDestination ? { backupDestination: { guid: device.backupDestination } } : {}),
        };
        const task = parseCreatedTask(
          await session.json({ method: 'POST', path: storwarePaths.exportTask, json: body }),
          deviceId,
          `the answer of POST ${storwarePaths.exportTask}`,
        );
        log.info('Storware export task started', { device: deviceId, entity, task: task.guid, backupType: device.backupType, runId: request.runId });
        tasks.push({ entity, task: task.guid });
      }
      return encodeRunHandle({ startedAt, tasks });
    },

    async pollBackup(handle: BackupHandle): Promise<BackupProgress> {
      return (await progressOfAll(handle)).combined;
    },

    async openArtifact(handle: BackupHandle): Promise<Artifact> {
      const { entities, combined } = await progressOfAll(handle);
      if (combined.state !== 'completed') {
        throw new DeviceProtocolError(
          `the Storware backups of this run are not all SUCCESS (${combined.state === 'failed' ? combined.reason : combined.detail}): there is no record to archive yet`,
          { deviceId },
        );
      }
      const records: StorwareRecordEntry[] = [];
      const details: Artifact['details'] = { format: STORWARE_RECORD_FORMAT, backupType: device.backupType, entities: entities.length };
      for (const [index, entity] of entities.entries()) {
        const { backup, raw } = await client.backupWithRaw(entity.backupGuid!);
        records.push({ protectedEntity: entity.entity, exportTask: entity.task, backup: raw });
        // Flat keys: the manifest's details hold scalars only.
        const prefix = `entity${index + 1}`;
        details[`${prefix}.guid`] = entity.entity;
        details[`${prefix}.name`] = backup.protectedEntity?.name ?? null;
        details[`${prefix}.backup`] = backup.guid;
        details[`${prefix}.status`] = backup.statusName;
        details[`${prefix}.type`] = backup.type ?? null;
        details[`${prefix}.snapshotTime`] = backup.snapshotTime ?? null;
        details[`${prefix}.backupTime`] = backup.backupTime ?? null;
        details[`${prefix}.size`] = backup.size ?? null;
      }
      details.backupGuids = records.map((r) => r.backup.guid).join(',');
      const bytes = serializeRecordDocument({
        format: STORWARE_RECORD_FORMAT,
        device: { id: deviceId, url: device.url },
        backupType: device.backupType,
        recordedAt: context.now().toISOString(),
        entities: records,
      });
      return {
        body: Readable.from([bytes]),
        size: bytes.length,
        contentType: 'application/json',
        extension: 'json',
        device: { hostname: new URL(device.url).hostname },
        details,
      };
    },

    async deleteBackup(handle: BackupHandle): Promise<void> {
      // Storware's own retention owns its backups: the runner recorded them and removes nothing.
      log.debug('Storware backups stay under Storware retention; nothing to delete', { device: deviceId, backupId: handle.backupId });
    },

    restore: createStorwareRestore({ device, client, session, log, now: context.now }),
  };
};

function asStorware(device: DriverContext['device']): StorwareDeviceConfig {
  if (device.type !== 'storware') throw new ConfigError(`the Storware driver was given device "${device.id}" of type ${device.type}`);
  return device;
}
