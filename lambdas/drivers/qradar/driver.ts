import { posix } from 'node:path';
import { streamSha256 } from '../../archive/object-sha256';
import { DeviceOperationFailed, DeviceProtocolError, DeviceRejectedRequest, IntegrityError } from '../../common/errors';
import type { QRadarDeviceConfig } from '../../config/schema';
import { openRemoteFile, openSftpSession, writeRemoteFile, type SftpSession } from '../../transfer/sftp';
import { RestoreRefused } from '../../restore/errors';
import {
  ALREADY_ON_DEVICE,
  type ArchivedBackupFacts,
  type Artifact,
  type BackupHandle,
  type BackupProgress,
  type Driver,
  type DriverContext,
  type DriverFactory,
  type RestoreDriver,
  type RestoreHandle,
  type RestoreProgress,
  type StartBackupRequest,
} from '../driver';
import { QRadarClient } from './client';
import { qradarErrorFor, QRADAR_NAME_EXISTS } from './device-errors';
import { qradarBackupName } from './names';
import { qradarPaths } from './paths';
import { backupProgressOf, parseBackup, parseBackups, parseConfigurationId, parseRestore, restoreProgressOf, type QRadarBackup } from './responses';
import { parseQRadarCredentials } from './secret';

/** Tries with a new name when the console says the name exists (409 1005). */
const NAME_ATTEMPTS = 5;

/**
 * IBM QRadar / Juniper JSA (backup_and_restore): the console makes the backup and keeps it at
 * `content_file_path` (default /store/backup); there is no download endpoint, so the file is
 * fetched over SFTP from the console with the SSH account in the device's secret.
 */
export const createQRadarDriver: DriverFactory = (context: DriverContext): Driver => {
  const device = context.device as QRadarDeviceConfig;
  const { log } = context;
  const deviceId = device.id;
  const credentials = parseQRadarCredentials(context.secret, device.secret, deviceId);
  const client = new QRadarClient(context.http, deviceId, credentials.token);
  const consoleHost = new URL(device.url).hostname.replace(/^\[|\]$/g, '');
  // The host whose /store/backup holds the file: the console, or a managed host named in ssh.host.
  const fileHost = device.ssh.host ?? consoleHost;

  const openConsole = (): Promise<SftpSession> =>
    openSftpSession(
      {
        deviceId,
        what: device.ssh.host ? 'backup host' : 'console',
        host: fileHost,
        port: device.ssh.port,
        hostKey: device.ssh.hostKey,
        hostKeyField: 'ssh.hostKey',
        connectSeconds: device.timeouts.connectSeconds,
        idleSeconds: device.timeouts.idleSeconds,
      },
      credentials.ssh,
      { log },
    );

  const getBackup = async (backupId: string | number): Promise<QRadarBackup> => {
    const path = qradarPaths.backup(backupId);
    return parseBackup(await client.json({ method: 'GET', path }), deviceId, `the answer of GET ${path}`);
  };

  const restore: RestoreDriver = {
    async checkCompatibility(backup: ArchivedBackupFacts): Promise<string[]> {
      const problems: string[] = [];
      if (backup.deviceType !== 'qradar') problems.push(`the archived backup is from a ${backup.deviceType}, not a QRadar console`);
      // device-apis.md: only CONFIG backups are restored through the API.
      if (backup.details.type !== 'CONFIG') problems.push(`only CONFIG backups can be restored through the API; this one is ${String(backup.details.type ?? 'of unknown type')}`);
      if (typeof backup.details.contentFilePath !== 'string') problems.push('the manifest does not say where the console keeps the file (details.contentFilePath)');
      return problems;
    },

    /**
     * Inferred (no source confirms it): an archived copy is restored by putting the file back
     * where the console had it (its content_file_path under /store/backup); the console then
     * lists it again as a backup. When the console still has it (the normal case: console copies
     * are kept by default), nothing is uploaded, once its bytes are checked against the manifest;
     * a different file under that path is never overwritten.
     */
    async uploadBackup(upload): Promise<RestoreHandle> {
      const path = String(upload.backup.details.contentFilePath);
      const existing = await findByPath(path);
      if (existing && existing.status.toUpperCase() === 'SUCCESS' && existing.is_valid !== false) {
        const onConsole = await consoleFileSha256(path);
        if (onConsole.sha256 !== upload.backup.sha256 || onConsole.size !== upload.size) {
          throw new RestoreRefused(
            `the console still lists backup ${existing.id} at ${path}, but that file is not the archived backup ` +
              `(${onConsole.size} bytes, SHA-256 ${onConsole.sha256}; the archive holds ${upload.size} bytes, SHA-256 ${upload.backup.sha256}); ` +
              'nothing was changed: delete that backup on the console to restore the archived copy in its place',
            { deviceId },
          );
        }
        log.info('the console still has this backup, byte for byte; nothing uploaded', { device: deviceId, backupId: existing.id });
        return { backupId: existing.id, uploaded: false, path, [ALREADY_ON_DEVICE]: true };
      }
      const session = await openConsole();
      try {
        const written = await writeRemoteFile(session, path, await upload.open(), { mode: 0o644 });
        if (written !== upload.size) {
          throw new IntegrityError(`wrote ${written} bytes to ${path} on the console, the archive holds ${upload.size}`, { deviceId });
        }
      } finally {
        session.close();
      }
      const found = await findByPath(path);
      if (found && found.status.toUpperCase() !== 'SUCCESS') {
        throw new DeviceOperationFailed(`the file is back at ${path}, but the console lists backup ${found.id} for it as ${found.status}, not SUCCESS`, { deviceId });
      }
      if (!found) {
        throw new DeviceOperationFailed(
          `the file is back at ${path} on the console, but the console lists no backup for it (GET ${qradarPaths.backups}); it may need a while to rescan /store/backup`,
          { deviceId },
        );
      }
      return { backupId: found.id, uploaded: true, path };
    },

    async startRestore(handle: RestoreHandle): Promise<RestoreHandle> {
      const created = parseRestore(
        await client.json({ method: 'POST', path: qradarPaths.restores, body: { backup_id: Number(handle.backupId), groups: device.restoreGroups } }),
        deviceId,
        `the answer of POST ${qradarPaths.restores}`,
      );
      // Two steps (device-apis.md): the restore is created PENDING, then requested.
      await client.json({ method: 'POST', path: qradarPaths.restore(created.id), body: { status: 'REQUESTING' } });
      log.info('restore requested', { device: deviceId, restoreId: created.id, backupId: handle.backupId });
      return { ...handle, restoreId: created.id };
    },

    async pollRestore(handle: RestoreHandle): Promise<RestoreProgress> {
      const path = qradarPaths.restore(String(handle.restoreId));
      return restoreProgressOf(parseRestore(await client.json({ method: 'GET', path }), deviceId, `the answer of GET ${path}`), deviceId);
    },

    async removeUploaded(handle: RestoreHandle): Promise<void> {
      if (handle.uploaded !== true) return;
      await deleteBackupRecord(String(handle.backupId));
    },
  };

  /** One file on the console, opened over SFTP; the session ends with the stream. */
  async function openConsoleFile(path: string) {
    const session = await openConsole();
    try {
      return await openRemoteFile(session, path, { idleSeconds: device.timeouts.idleSeconds });
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /** Reads the console's file over SFTP and hashes it. */
  async function consoleFileSha256(path: string): Promise<{ size: number; sha256: string }> {
    return streamSha256((await openConsoleFile(path)).body);
  }

  async function findByPath(path: string): Promise<QRadarBackup | undefined> {
    const list = parseBackups(await client.json({ method: 'GET', path: qradarPaths.backups }), deviceId, `the answer of GET ${qradarPaths.backups}`);
    return list.find((b) => b.content_file_path === path);
  }

  async function deleteBackupRecord(backupId: string): Promise<void> {
    const path = qradarPaths.backup(backupId);
    const answer = await client.tryJson({ method: 'DELETE', path });
    if (answer.ok || answer.status === 404) return;
    throw qradarErrorFor(deviceId, { method: 'DELETE', path }, answer.status, answer.body);
  }

  return {
    type: 'qradar',

    async startBackup(request: StartBackupRequest): Promise<BackupHandle> {
      const configurationId = parseConfigurationId(
        await client.json({ method: 'GET', path: qradarPaths.configurations }),
        deviceId,
        `the answer of GET ${qradarPaths.configurations}`,
      );
      const at = context.now();
      for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt += 1) {
        const name = qradarBackupName(request.runId, at, attempt);
        const answer = await client.tryJson({
          method: 'POST',
          path: qradarPaths.backups,
          headers: { backup_type: device.backupType },
          body: { name, description: request.description.slice(0, 255), configuration_id: configurationId, ...(device.hostId !== undefined ? { host_id: device.hostId } : {}) },
        });
        if (answer.ok) {
          const created = parseBackup(answer.value, deviceId, `the answer of POST ${qradarPaths.backups}`);
          log.info('backup started', { device: deviceId, backupId: created.id, name, type: device.backupType });
          return { backupId: String(created.id), name };
        }
        if (answer.status === 409 && answer.body.code === QRADAR_NAME_EXISTS) {
          log.info('backup name taken; trying another', { device: deviceId, name });
          continue;
        }
        throw qradarErrorFor(deviceId, { method: 'POST', path: qradarPaths.backups }, answer.status, answer.body);
      }
      throw new DeviceRejectedRequest(`the console refused ${NAME_ATTEMPTS} backup names as taken (409 1005), last ${qradarBackupName(request.runId, at, NAME_ATTEMPTS - 1)}`, {
        deviceId,
        status: 409,
      });
    },

    async pollBackup(handle: BackupHandle): Promise<BackupProgress> {
      return backupProgressOf(await getBackup(handle.backupId), deviceId);
    },

    async openArtifact(handle: BackupHandle): Promise<Artifact> {
      const backup = await getBackup(handle.backupId);
      const progress = backupProgressOf(backup, deviceId);
      if (progress.state !== 'completed') {
        throw new DeviceProtocolError(`backup ${backup.id} is ${backup.status}, not SUCCESS: there is no file to fetch`, { deviceId });
      }
      const path = backup.content_file_path;
      if (!path || !path.startsWith('/')) {
        throw new DeviceProtocolError(`backup ${backup.id} has no absolute content_file_path (${JSON.stringify(path ?? null)}): cannot fetch it`, { deviceId });
      }
      const file = await openConsoleFile(path);
      if (typeof backup.size_on_disk === 'number' && backup.size_on_disk !== file.size) {
        file.body.destroy();
        throw new IntegrityError(`backup ${backup.id}: the console says ${backup.size_on_disk} bytes (size_on_disk), ${path} has ${file.size}`, { deviceId });
      }
      return {
        body: file.body,
        size: file.size,
        contentType: 'application/gzip',
        extension: extensionOf(path),
        device: { hostname: consoleHost, ...(backup.version ? { softwareVersion: backup.version } : {}) },
        details: {
          backupId: backup.id,
          name: backup.name ?? null,
          description: backup.description ?? null,
          type: backup.type ?? device.backupType,
          version: backup.version ?? null,
          contentFilePath: path,
          sizeOnDisk: backup.size_on_disk ?? null,
          timeInitiated: backup.time_initiated ?? null,
          timeCompleted: backup.time_completed ?? null,
          isVersionCompatible: backup.is_version_compatible ?? null,
          hostId: backup.host_id ?? null,
        },
      };
    },

    async deleteBackup(handle: BackupHandle): Promise<void> {
      if (!device.removeAfterArchive) {
        log.info('backup kept on the console (removeAfterArchive is false)', { device: deviceId, backupId: handle.backupId });
        return;
      }
      await deleteBackupRecord(handle.backupId);
      log.info('backup deleted on the console', { device: deviceId, backupId: handle.backupId });
    },

    restore,
  };
};

/** "backup.nightly.qradar.12_05_2026.config.1234.tgz" -> "tgz"; keys take letters and digits only. */
export function extensionOf(path: string): string {
  const name = posix.basename(path).toLowerCase();
  if (name.endsWith('.tar.gz')) return 'tar.gz';
  const ext = /\.([a-z0-9]{1,16})$/.exec(name)?.[1];
  return ext ?? 'bin';
}
