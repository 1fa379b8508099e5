import { reopeningBody } from '../riverbed-common/reopening-body';
import { DeviceBusy, DeviceOperationFailed, DeviceProtocolError, DeviceUnreachable, IntegrityError } from '../../common/errors';
import type { Log } from '../../common/log';
import type { ArchivedBackupFacts, RestoreDriver, RestoreHandle, RestoreProgress } from '../driver';
import { RUNNER_MARKER } from '../driver';
import { planRoomForBackup } from './make-room';
import { npmV1Paths } from './paths';
import { parseBackup, parseBackupList, type NpmBackup } from './responses';
import { parseRestoreStatus, restoreProgressOf } from './restore-status';
import { errorFromResponse, type NpmSession } from './session';

const TYPE = 'riverbed-npm-v1';
/** How long uploadBackup waits for the device to finish processing an upload, and how often it looks. */
const UPLOAD_SETTLE_MS = 20_000;
const UPLOAD_SETTLE_STEP_MS = 250;

/**
 * Restore on npm.backup 1.0 (device-apis.md): make room under the two-backup limit (only the
 * runner's own backups go), upload the archived file as application/octet-stream, streamed,
 * start the restore of that upload, follow restore_status through the reboot, and delete the
 * uploaded copy afterwards. Refuses a backup of another software version unless forced, as the
 * vendor's scripts do.
 */
export function createNpmV1Restore(deps: {
  deviceId: string;
  session: NpmSession;
  getBackup: (id: string) => Promise<NpmBackup>;
  deleteById: (id: string) => Promise<void>;
  log: Log;
  now: () => Date;
}): RestoreDriver {
  const { deviceId, session, log } = deps;

  return {
    async checkCompatibility(backup: ArchivedBackupFacts, options: { force: boolean }): Promise<string[]> {
      if (backup.deviceType !== TYPE) return [`the backup was made by a ${backup.deviceType} device; this is an npm.backup 1.0 device (${TYPE})`];
      if (options.force) return [];
      const wanted = backup.device.softwareVersion;
      if (!wanted) return ['the backup\'s manifest records no software version, so it cannot be matched with the device\'s (--force restores it anyway)'];
      const current = await softwareVersion();
      if (current !== wanted) {
        return [`the backup was made on software ${wanted}, the device runs ${current} (the vendor refuses restores across versions; --force overrides)`];
      }
      return [];
    },

    async uploadBackup(upload): Promise<RestoreHandle> {
      const existing = parseBackupList(await session.json({ method: 'GET', path: npmV1Paths.backups }), deviceId, `the answer of GET ${npmV1Paths.backups}`);
      const plan = planRoomForBackup(existing, RUNNER_MARKER);
      if (plan.action === 'busy') throw new DeviceBusy(`no room to upload the backup for the restore: ${plan.reason}`, { deviceId });
      if (plan.action === 'delete') {
        for (const old of plan.backups) {
          log.info('deleting an older backup made by the runner to make room for the restore upload', { device: deviceId, backupId: old.id });
          await deps.deleteById(old.id);
        }
      }
      const body = await reopeningBody(upload.open);
      const response = await session.sendExpectingSuccess({
        method: 'POST',
        path: npmV1Paths.upload,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(upload.size), Accept: 'application/json' },
        body,
      });
      const uploaded = parseBackup(await response.json(), deviceId, `the answer of POST ${npmV1Paths.upload}`);
      if (uploaded.size != null && uploaded.size !== upload.size) {
        await deps.deleteById(uploaded.id).catch(() => undefined);
        throw new IntegrityError(`the device holds ${uploaded.size} bytes of the upload ${uploaded.id}, not the ${upload.size} sent; the upload was deleted`, { deviceId });
      }
      log.info('backup uploaded for restore', { device: deviceId, backupId: uploaded.id, size: upload.size, status: uploaded.status });
      await settled(uploaded);
      return { backupId: uploaded.id, size: upload.size };
    },

    async startRestore(handle: RestoreHandle): Promise<RestoreHandle> {
      const backupId = idOf(handle, deviceId);
      // The device takes a restore only of a completed backup; an upload is briefly `uploading`.
      const backup = await deps.getBackup(backupId);
      const status = backup.status?.toLowerCase();
      if (status === 'uploading' || status === 'started') throw new DeviceBusy(`the uploaded backup ${backupId} is still ${status} on the device; will retry`, { deviceId });
      if (status === 'failed') throw new DeviceOperationFailed(`the device could not take the uploaded backup ${backupId}: ${backup.status_message || 'no status_message given'}`, { deviceId });
      if (status !== 'completed') throw new DeviceProtocolError(`the uploaded backup ${backupId} has status "${backup.status ?? ''}", not completed`, { deviceId });
      if (backup.size != null && typeof handle.size === 'number' && backup.size !== handle.size) {
        throw new IntegrityError(`the device holds ${backup.size} bytes for the uploaded backup ${backupId}, not the ${handle.size} sent`, { deviceId });
      }
      // The device's own last_restore_time before our request: the reference its next one is compared with.
      const before = parseRestoreStatus(await session.json({ method: 'GET', path: npmV1Paths.restoreStatus }), deviceId, `the answer of GET ${npmV1Paths.restoreStatus}`);
      const deviceBefore = before.last_restore_time ?? 0;
      const startedAtSeconds = Math.floor(deps.now().getTime() / 1000);
      const request = { method: 'POST' as const, path: npmV1Paths.restore(backupId) };
      try {
        const response = await session.send({ ...request, headers: { Accept: 'application/json' } });
        if (response.status < 200 || response.status >= 300) throw await errorFromResponse(deviceId, request, response);
        await response.dump();
      } catch (error) {
        // The device may have cut the connection to reboot before its answer arrived. Sending the
        // request twice could restore twice, so it is not repeated: the polls find out.
        if (!(error instanceof DeviceUnreachable)) throw error;
        log.warn('no answer to the restore request; following restore_status to see whether it started', { device: deviceId, error: error.message });
        return { ...handle, startedAtSeconds, deviceBefore, confirmed: false };
      }
      log.info('restore started; the device reboots', { device: deviceId, backupId });
      return { ...handle, startedAtSeconds, deviceBefore, confirmed: true };
    },

    async pollRestore(handle: RestoreHandle): Promise<RestoreProgress> {
      const status = parseRestoreStatus(await session.json({ method: 'GET', path: npmV1Paths.restoreStatus }), deviceId, `the answer of GET ${npmV1Paths.restoreStatus}`);
      return restoreProgressOf(
        status,
        {
          startedAtSeconds: Number(handle.startedAtSeconds ?? 0),
          deviceBefore: typeof handle.deviceBefore === 'number' ? handle.deviceBefore : null,
          confirmed: handle.confirmed !== false,
        },
        deviceId,
      );
    },

    async removeUploaded(handle: RestoreHandle): Promise<void> {
      await deps.deleteById(idOf(handle, deviceId));
      log.info('uploaded backup removed', { device: deviceId, backupId: handle.backupId });
    },
  };

  /**
   * The device processes an upload briefly (`uploading`) before it can be restored. Waiting here
   * a little is cheaper than a failed StartRestore and its retry; a longer wait is left to that
   * retry (DeviceBusy there).
   */
  async function settled(uploaded: NpmBackup): Promise<void> {
    let backup = uploaded;
    for (let waited = 0; (backup.status ?? '').toLowerCase() === 'uploading' && waited < UPLOAD_SETTLE_MS; waited += UPLOAD_SETTLE_STEP_MS) {
      await new Promise((resolve) => setTimeout(resolve, UPLOAD_SETTLE_STEP_MS));
      backup = await deps.getBackup(uploaded.id);
    }
  }

  /** GET /api/common/1.0/info needs no login. */
  async function softwareVersion(): Promise<string> {
    const info = (await session.json({ method: 'GET', path: npmV1Paths.info })) as { sw_version?: unknown } | null;
    const version = info?.sw_version;
    if (typeof version !== 'string' || !version) throw new DeviceProtocolError(`GET ${npmV1Paths.info} gives no sw_version`, { deviceId });
    return version;
  }
}

function idOf(handle: RestoreHandle, deviceId: string): string {
  if (typeof handle.backupId !== 'string' || !handle.backupId) throw new DeviceProtocolError(`the restore handle ${JSON.stringify(handle)} names no uploaded backup`, { deviceId });
  return handle.backupId;
}
