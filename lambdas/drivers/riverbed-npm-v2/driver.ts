import { posix } from 'node:path';
import { ConfigError, DeviceBusy, DeviceOperationFailed, DeviceProtocolError, IntegrityError, SecretError } from '../../common/errors';
import type { NpmV2DeviceConfig } from '../../config/schema';
import { openRemoteFile, openSftpSession } from '../../transfer/sftp';
import type { Artifact, BackupHandle, BackupProgress, Driver, DriverContext, DriverFactory, StartBackupRequest } from '../driver';
import { RUNNER_MARKER } from '../driver';
import { checkedSize, errorFromResponse, NpmSession } from '../riverbed-common';
import { filerEndpoint, remoteFilerOf, type RemoteFiler } from './filer-access';
import { planFiler } from './filer';
import { isFilerFileOf, NPM_V2_BACKUP_CONTENT_TYPE, NPM_V2_BACKUP_EXTENSION, npmV2InferredPaths } from './inferred-paths';
import { npmV2Paths } from './paths';
import { findRunBackup, progressFromDeviceStatus, progressOfStatus, type RunIdentity } from './progress';
import {
  parseCompletedBackup,
  parseCompletedList,
  parseDeviceStatus,
  parseOperationInfo,
  parseServer,
  parseServers,
  type NpmV2CompletedBackup,
  type NpmV2Server,
} from './responses';
import { createNpmV2Restore } from './restore';

/**
 * Riverbed npm.backup 2.0: the device writes its backup to a backup server (filer). A remote
 * filer is an SSH host the runner then reads the file from by SFTP; a local server is the
 * device's own disk, read over HTTPS (inferred download link). The configured remote filer is
 * created on the device when missing and never changed when it differs.
 */
export const createRiverbedNpmV2Driver: DriverFactory = (context: DriverContext): Driver => {
  const device = asNpmV2(context.device);
  const { log } = context;
  const deviceId = device.id;
  const session = NpmSession.forDriver(context);

  const listServers = async (): Promise<NpmV2Server[]> =>
    parseServers(await session.json({ method: 'GET', path: npmV2Paths.servers }), deviceId, `the answer of GET ${npmV2Paths.servers}`);

  /** The device's server for the configured name, created when a remote filer is missing. */
  const ensureServer = async (filer: RemoteFiler | undefined): Promise<NpmV2Server> => {
    const servers = await listServers();
    if (!filer) {
      const local = servers.find((s) => s.name === device.server.name);
      if (!local) throw new ConfigError(`${deviceId}: the device has no backup server "${device.server.name}" (it has: ${servers.map((s) => s.name).join(', ') || 'none'})`);
      return local;
    }
    const plan = planFiler(servers, { name: filer.name, host: filer.host, port: filer.port, path: filer.path, user: filer.credentials.username });
    switch (plan.action) {
      case 'use':
        return plan.server;
      case 'differs':
        throw new ConfigError(
          `${deviceId}: backup server "${filer.name}" (id ${plan.server.id}) on the device differs from devices[].server in the config; ` +
            'the runner does not change it: fix the config or the server on the device',
          plan.differences,
        );
      case 'ambiguous':
        throw new ConfigError(`${deviceId}: the device has ${plan.servers.length} backup servers named "${filer.name}" (ids ${plan.servers.map((s) => s.id).join(', ')}); rename one`);
      case 'create': {
        if (!filer.credentials.privateKey) {
          throw new SecretError(
            `backup server "${filer.name}" is missing on the device and the filer secret "${device.server.secret}" has no "privateKey" to create it with (the device logs in to the filer with a key)`,
            { deviceId },
          );
        }
        const path = npmV2InferredPaths.createServer;
        const created = parseServer(
          await session.json({
            method: 'POST',
            path,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              name: filer.name,
              desc: device.server.description ?? `${RUNNER_MARKER}: filer for ${deviceId}`,
              host: filer.host,
              port: filer.port,
              path: filer.path,
              user: filer.credentials.username,
              new_private_key: filer.credentials.privateKey,
            }),
          }),
          deviceId,
          `the answer of POST ${path}`,
        );
        log.info('created the backup server (filer) on the device from the config', { device: deviceId, server: filer.name, serverId: created.id });
        return created;
      }
    }
  };

  const runOf = (handle: BackupHandle): RunIdentity & { serverId: number } => {
    if (typeof handle.name !== 'string' || typeof handle.serverId !== 'number') {
      throw new DeviceProtocolError(`the run handle ${JSON.stringify(handle)} is not an npm.backup 2.0 handle (name and serverId missing)`, { deviceId });
    }
    return { name: handle.name, serverId: handle.serverId, ...(handle.backupIdKnown === true ? { backupId: handle.backupId } : {}) };
  };

  const completedList = async (serverId: number): Promise<NpmV2CompletedBackup[]> => {
    const path = npmV2Paths.backupsOnServer(serverId);
    return parseCompletedList(await session.json({ method: 'GET', path }), deviceId, `the answer of GET ${path}`);
  };

  const findCompleted = async (handle: BackupHandle): Promise<NpmV2CompletedBackup | undefined> => {
    const run = runOf(handle);
    if (run.backupId !== undefined) {
      const path = npmV2Paths.completedBackup(run.serverId, run.backupId);
      const response = await session.send({ method: 'GET', path, headers: { Accept: 'application/json' } });
      if (response.status === 404) {
        await response.dump();
        return undefined;
      }
      if (response.status < 200 || response.status >= 300) throw await errorFromResponse(deviceId, { method: 'GET', path }, response);
      return parseCompletedBackup(await response.json(), deviceId, `the answer of GET ${path}`);
    }
    return findRunBackup(await completedList(run.serverId), run);
  };

  return {
    type: 'riverbed-npm-v2',

    async startBackup(request: StartBackupRequest): Promise<BackupHandle> {
      const filer = await remoteFilerOf(device, context);
      const server = await ensureServer(filer);
      const status = parseDeviceStatus(await session.json({ method: 'GET', path: npmV2Paths.deviceStatus }), deviceId, `the answer of GET ${npmV2Paths.deviceStatus}`);
      if (status.current_operation) {
        const info = status.current_operation.info;
        throw new DeviceBusy(`the device is running a ${info.operation_type} (${info.name ?? info.status_message ?? 'unnamed'}); will retry later`, { deviceId });
      }
      const name = `${RUNNER_MARKER}-${request.runId}`;
      const contents = {
        config_only: device.contents.configOnly,
        ...(device.contents.modules ? { modules: device.contents.modules } : {}),
      };
      const path = npmV2Paths.startBackup(server.id);
      const info = parseOperationInfo(
        await session.json({ method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, desc: request.description, contents }) }),
        deviceId,
        `the answer of POST ${path}`,
      );
      log.info('backup started', { device: deviceId, server: server.name, serverId: server.id, name, backupId: info.backup_id ?? null, runId: request.runId });
      return {
        // The device names the backup in its answer (backup_status.backup_id); the run's unique name stands in until it does.
        backupId: info.backup_id ?? name,
        backupIdKnown: Boolean(info.backup_id),
        name,
        serverId: server.id,
        serverName: server.name,
        local: device.server.local,
      };
    },

    async pollBackup(handle: BackupHandle): Promise<BackupProgress> {
      const run = runOf(handle);
      const status = parseDeviceStatus(await session.json({ method: 'GET', path: npmV2Paths.deviceStatus }), deviceId, `the answer of GET ${npmV2Paths.deviceStatus}`);
      const fromStatus = progressFromDeviceStatus(status, run);
      if (fromStatus) return fromStatus;
      // device_status moved on to another operation: the completed list still knows ours.
      const done = findRunBackup(await completedList(run.serverId), run);
      if (!done) return { state: 'running', detail: 'the device does not report this backup yet' };
      const progress = progressOfStatus(done.status, `backup "${run.name}"`, null);
      if (!progress) throw new DeviceProtocolError(`backup ${done.id} has unknown status "${done.status}" (expected started, completed, failed or aborted)`, { deviceId });
      return progress;
    },

    async openArtifact(handle: BackupHandle): Promise<Artifact> {
      const run = runOf(handle);
      const backup = await findCompleted(handle);
      if (!backup) throw new DeviceProtocolError(`the device lists no completed backup "${run.name}" on server ${run.serverId}: there is no file to fetch`, { deviceId });
      if (backup.status.toLowerCase() !== 'completed') {
        throw new DeviceProtocolError(`backup ${backup.id} is ${backup.status}, not completed: there is no file to fetch yet`, { deviceId });
      }
      const facts = {
        device: {
          ...(backup.hostname ? { hostname: backup.hostname } : {}),
          ...(backup.model ? { model: backup.model } : {}),
          ...(backup.serial ? { serial: backup.serial } : {}),
          ...(backup.sw_version ? { softwareVersion: backup.sw_version } : {}),
        },
        details: manifestDetails(backup, { serverName: String(handle.serverName ?? ''), local: device.server.local }),
        extension: NPM_V2_BACKUP_EXTENSION,
      };
      const filer = await remoteFilerOf(device, context);
      if (!filer) {
        const path = npmV2InferredPaths.download(run.serverId, backup.id);
        const response = await session.sendExpectingSuccess({ method: 'GET', path, headers: { Accept: 'application/octet-stream, application/x-gzip, */*' } });
        const length = response.headers['content-length'];
        const size = checkedSize(backup.size ?? undefined, Array.isArray(length) ? length[0] : length);
        if (size.problem) {
          response.body.destroy();
          throw new IntegrityError(`backup ${backup.id}: ${size.problem}`, { deviceId });
        }
        const type = response.headers['content-type'];
        return { ...facts, body: response.body, size: size.value, contentType: (Array.isArray(type) ? type[0] : type) ?? NPM_V2_BACKUP_CONTENT_TYPE };
      }
      const sftp = await openSftpSession(filerEndpoint(device, filer), filer.credentials, { log });
      try {
        const entries = (await sftp.readdir(filer.path)).filter((e) => isFilerFileOf(e.filename, backup.id) && e.attrs.isFile());
        if (entries.length !== 1) {
          throw new DeviceOperationFailed(
            `backup ${backup.id} is completed, but the filer ${filer.host}:${filer.path} holds ${entries.length === 0 ? 'no file' : `${entries.length} files`} named after it${entries.length ? ` (${entries.map((e) => e.filename).join(', ')})` : ''}`,
            { deviceId },
          );
        }
        const remotePath = posix.join(filer.path, entries[0]!.filename);
        const file = await openRemoteFile(sftp, remotePath, { idleSeconds: device.timeouts.idleSeconds });
        if (backup.size != null && backup.size !== file.size) {
          file.body.destroy();
          throw new IntegrityError(`backup ${backup.id}: the device announced ${backup.size} bytes but ${remotePath} on the filer has ${file.size}`, { deviceId });
        }
        log.info('reading the backup from the filer', { device: deviceId, host: filer.host, path: remotePath, size: file.size });
        // The stream closes the SSH session when it ends.
        return { ...facts, body: file.body, size: file.size, contentType: NPM_V2_BACKUP_CONTENT_TYPE, details: { ...facts.details, filerPath: remotePath } };
      } catch (error) {
        sftp.close();
        throw error;
      }
    },

    async deleteBackup(handle: BackupHandle): Promise<void> {
      if (!device.server.removeAfterArchive) {
        log.info('keeping the completed backup on the device (server.removeAfterArchive is false)', { device: deviceId, backupId: handle.backupId });
        return;
      }
      const backup = await findCompleted(handle);
      if (!backup) return; // already gone: what we wanted
      const run = runOf(handle);
      const path = npmV2InferredPaths.deleteCompleted(run.serverId, backup.id);
      const response = await session.send({ method: 'DELETE', path });
      if (response.status === 404) return void (await response.dump());
      if (response.status === 405 || response.status === 501) {
        await response.dump();
        log.warn('the device offers no delete for completed backups (inferred link); the backup stays on the server', { device: deviceId, backupId: backup.id, path });
        return;
      }
      if (response.status < 200 || response.status >= 300) throw await errorFromResponse(deviceId, { method: 'DELETE', path }, response);
      await response.dump();
    },

    restore: createNpmV2Restore({ device, session, listServers, log, now: context.now }),
  };
};

/** What the manifest keeps of an npm.backup 2.0 backup: its identity, where it was written, and its `contents`. */
export function manifestDetails(backup: NpmV2CompletedBackup, where: { serverName: string; local: boolean }): Artifact['details'] {
  return {
    backupId: backup.id,
    name: backup.name,
    description: backup.desc ?? null,
    serverId: backup.server_id,
    serverName: where.serverName || null,
    filer: where.local ? 'local' : 'remote',
    status: backup.status,
    size: backup.size ?? null,
    createdOn: backup.created_on ?? null,
    swVersion: backup.sw_version ?? null,
    scheduledBackupId: backup.sid ?? null,
    'contents.configOnly': backup.contents?.config_only ?? null,
    // Modules with their options, as the device lists them: a restore sends them back.
    'contents.modules': backup.contents?.modules ? JSON.stringify(backup.contents.modules) : null,
  };
}

function asNpmV2(device: DriverContext['device']): NpmV2DeviceConfig {
  if (device.type !== 'riverbed-npm-v2') throw new ConfigError(`the npm.backup 2.0 driver was given device "${device.id}" of type ${device.type}`);
  return device;
}
