import { DeviceProtocolError, IntegrityError } from '../../common/errors';
import type { Log } from '../../common/log';
import type { NpmV2DeviceConfig } from '../../config/schema';
import type { ArchivedBackupFacts, RestoreDriver, RestoreHandle, RestoreProgress } from '../driver';
import { errorFromResponse, reopeningBody, type NpmSession } from '../riverbed-common';
import { npmV2InferredPaths } from './inferred-paths';
import { npmV2Paths } from './paths';
import { restoreProgressFromDeviceStatus } from './progress';
import { parseCompletedBackup, parseDeviceStatus, type NpmV2Server } from './responses';

/** The device's local server restores upload to: `restoreServer`, else `server` when it is local. */
export function restoreServerName(device: NpmV2DeviceConfig): string | undefined {
  return device.restoreServer ?? (device.server.local ? device.server.name : undefined);
}

/**
 * Restore on npm.backup 2.0: upload the archived file to a local server (the upload API is for
 * local servers only), start the restore of that completed backup (inferred link) with the
 * contents the backup was made with, then follow `device_status` (current operation, then
 * `latest_restore`). Polls during the reboot fail as DeviceUnreachable; the restore workflow
 * retries them.
 */
export function createNpmV2Restore(deps: {
  device: NpmV2DeviceConfig;
  session: NpmSession;
  listServers: () => Promise<NpmV2Server[]>;
  log: Log;
  now: () => Date;
}): RestoreDriver {
  const { device, session, log } = deps;
  const deviceId = device.id;

  /** Deletes an uploaded copy; already gone is fine. */
  const removeCopy = async (serverId: number, backupId: string): Promise<void> => {
    const path = npmV2InferredPaths.deleteCompleted(serverId, backupId);
    const response = await session.send({ method: 'DELETE', path });
    if (response.status === 404 || (response.status >= 200 && response.status < 300)) return void (await response.dump());
    throw await errorFromResponse(deviceId, { method: 'DELETE', path }, response);
  };

  const localServer = async (): Promise<NpmV2Server> => {
    const name = restoreServerName(device);
    if (!name) throw new DeviceProtocolError(`no local server to upload to: set devices[].restoreServer`, { deviceId });
    const server = (await deps.listServers()).find((s) => s.name === name);
    if (!server) throw new DeviceProtocolError(`the device has no backup server "${name}" to upload the restore to`, { deviceId });
    return server;
  };

  return {
    async checkCompatibility(backup: ArchivedBackupFacts, options: { force: boolean }): Promise<string[]> {
      const reasons: string[] = [];
      if (backup.deviceType !== 'riverbed-npm-v2') reasons.push(`the backup was made by a ${backup.deviceType} device; this is an npm.backup 2.0 device`);
      if (!restoreServerName(device)) reasons.push('uploads need a local server on the device: set devices[].restoreServer (the remote filer cannot take uploads)');
      if (!options.force && backup.device.softwareVersion) {
        const info = await session.json({ method: 'GET', path: npmV2Paths.info });
        const current = (info as { sw_version?: unknown } | null)?.sw_version;
        if (typeof current === 'string' && current !== backup.device.softwareVersion) {
          reasons.push(`the backup was made on software ${backup.device.softwareVersion}, the device runs ${current} (the vendor refuses restores across versions; --force overrides)`);
        }
      }
      return reasons;
    },

    async uploadBackup(upload): Promise<RestoreHandle> {
      const server = await localServer();
      const path = npmV2Paths.upload(server.id);
      // A repeat after a 401 gets a fresh stream from the archive, never the spent first one.
      const body = await reopeningBody(upload.open);
      const response = await session.sendExpectingSuccess({
        method: 'POST',
        path,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(upload.size), Accept: 'application/json' },
        body,
      });
      const uploaded = parseCompletedBackup(await response.json(), deviceId, `the answer of POST ${path}`);
      if (uploaded.size != null && uploaded.size !== upload.size) {
        // The device must not keep a wrong copy that a later restore could pick.
        await removeCopy(server.id, uploaded.id).catch((error: unknown) => log.warn('could not remove the wrong upload', { device: deviceId, backupId: uploaded.id, error: String(error) }));
        throw new IntegrityError(`the device holds ${uploaded.size} bytes of the upload ${uploaded.id}, not the ${upload.size} sent; the upload was removed again`, { deviceId });
      }
      log.info('backup uploaded for restore', { device: deviceId, serverId: server.id, backupId: uploaded.id, size: upload.size });
      const details = upload.backup.details;
      return {
        serverId: server.id,
        backupId: uploaded.id,
        configOnly: details['contents.configOnly'] === true,
        modules: typeof details['contents.modules'] === 'string' ? details['contents.modules'] : null,
      };
    },

    async startRestore(handle: RestoreHandle): Promise<RestoreHandle> {
      const { serverId, backupId } = ids(handle, deviceId);
      const path = npmV2InferredPaths.restore(serverId, backupId);
      const contents = { config_only: handle.configOnly === true, ...(typeof handle.modules === 'string' ? { modules: JSON.parse(handle.modules) as unknown } : {}) };
      const startedAtSeconds = Math.floor(deps.now().getTime() / 1000);
      const response = await session.sendExpectingSuccess({ method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ contents }) });
      await response.dump();
      log.info('restore started; the device reboots', { device: deviceId, backupId });
      return { ...handle, startedAtSeconds };
    },

    async pollRestore(handle: RestoreHandle): Promise<RestoreProgress> {
      const { backupId } = ids(handle, deviceId);
      const status = parseDeviceStatus(await session.json({ method: 'GET', path: npmV2Paths.deviceStatus }), deviceId, `the answer of GET ${npmV2Paths.deviceStatus}`);
      return restoreProgressFromDeviceStatus(status, { backupId, startedAtSeconds: Number(handle.startedAtSeconds ?? 0) });
    },

    async removeUploaded(handle: RestoreHandle): Promise<void> {
      const { serverId, backupId } = ids(handle, deviceId);
      await removeCopy(serverId, backupId);
    },
  };
}

function ids(handle: RestoreHandle, deviceId: string): { serverId: number; backupId: string } {
  if (typeof handle.serverId !== 'number' || typeof handle.backupId !== 'string') {
    throw new DeviceProtocolError(`the restore handle ${JSON.stringify(handle)} lacks serverId or backupId`, { deviceId });
  }
  return { serverId: handle.serverId, backupId: handle.backupId };
}
