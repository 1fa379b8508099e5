import { DeviceBusy, DeviceProtocolError, IntegrityError } from '../../common/errors';
import type { Artifact, BackupHandle, BackupProgress, Driver, DriverContext, DriverFactory, OpenArtifactOptions, StartBackupRequest } from '../driver';
import { RUNNER_MARKER } from '../driver';
import { interpretRangeAnswer, rangeRequestHeaders } from '../riverbed-common/resumed-download';
import { planRoomForBackup } from './make-room';
import { npmV1Paths } from './paths';
import { parseBackup, parseBackupList, progressOf, type NpmBackup } from './responses';
import { createNpmV1Restore } from './restore';
import { errorFromResponse, NpmSession } from './session';

const DEFAULT_CONTENT_TYPE = 'application/x-gzip';

/**
 * Riverbed npm.backup 1.0 (AppResponse 11, Portal): the device makes a gzip tarball that we
 * download over HTTPS. Handles carry only the device's backup id.
 */
export const createRiverbedNpmV1Driver: DriverFactory = (context: DriverContext): Driver => {
  const { device, log } = context;
  const deviceId = device.id;
  const session = NpmSession.forDriver(context);

  const getBackup = async (backupId: string): Promise<NpmBackup> => {
    const path = npmV1Paths.backup(backupId);
    return parseBackup(await session.json({ method: 'GET', path }), deviceId, `the answer of GET ${path}`);
  };

  const deleteById = async (backupId: string): Promise<void> => {
    const request = { method: 'DELETE' as const, path: npmV1Paths.backup(backupId) };
    const response = await session.send(request);
    if (response.status === 404) {
      // Already gone: what we wanted.
      await response.dump();
      return;
    }
    if (response.status < 200 || response.status >= 300) throw await errorFromResponse(deviceId, request, response);
    await response.dump();
  };

  return {
    type: 'riverbed-npm-v1',

    async startBackup(request: StartBackupRequest): Promise<BackupHandle> {
      const existing = parseBackupList(
        await session.json({ method: 'GET', path: npmV1Paths.backups }),
        deviceId,
        `the answer of GET ${npmV1Paths.backups}`,
      );
      const plan = planRoomForBackup(existing, RUNNER_MARKER);
      if (plan.action === 'busy') throw new DeviceBusy(plan.reason, { deviceId });
      if (plan.action === 'delete') {
        for (const old of plan.backups) {
          log.info('deleting an older backup made by the runner to make room', { device: deviceId, backupId: old.id, description: old.description });
          await deleteById(old.id);
        }
      }
      const created = parseBackup(
        await session.json({
          method: 'POST',
          path: npmV1Paths.backups,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ description: request.description }),
        }),
        deviceId,
        `the answer of POST ${npmV1Paths.backups}`,
      );
      log.info('backup started', { device: deviceId, backupId: created.id, runId: request.runId });
      return { backupId: created.id };
    },

    async pollBackup(handle: BackupHandle): Promise<BackupProgress> {
      return progressOf(await getBackup(handle.backupId), deviceId);
    },

    async openArtifact(handle: BackupHandle, options?: OpenArtifactOptions): Promise<Artifact> {
      const backup = await getBackup(handle.backupId);
      const progress = progressOf(backup, deviceId);
      if (progress.state !== 'completed') {
        throw new DeviceProtocolError(`backup ${backup.id} is ${backup.status}, not completed: there is no file to download yet`, { deviceId });
      }
      const path = npmV1Paths.backupFile(backup.id);
      const response = await session.sendExpectingSuccess({
        method: 'GET',
        path,
        headers: { Accept: 'application/octet-stream, application/x-gzip, */*', ...rangeRequestHeaders(options) },
      });
      const range = interpretRangeAnswer(options?.offset ?? 0, response.status, headerValue(response.headers['content-range']), headerValue(response.headers['content-length']));
      const announced = backup.size ?? undefined;
      // A 206's Content-Length is the rest of the file; the file's size is Content-Range's total.
      const size = range.ok ? checkedSize(announced, range.total === undefined ? undefined : String(range.total)) : { value: announced, problem: range.problem };
      if (size.problem) {
        response.body.destroy();
        throw new IntegrityError(`backup ${backup.id}: ${size.problem}`, { deviceId });
      }
      const version = headerValue(response.headers.etag) ?? headerValue(response.headers['last-modified']);
      return {
        body: response.body,
        size: size.value,
        ...(range.ok && range.offset > 0 ? { offset: range.offset } : {}),
        ...(version ? { version } : {}),
        contentType: headerValue(response.headers['content-type']) ?? DEFAULT_CONTENT_TYPE,
        extension: 'tar.gz',
        device: {
          ...(backup.hostname ? { hostname: backup.hostname } : {}),
          ...(backup.model ? { model: backup.model } : {}),
          ...(backup.serial ? { serial: backup.serial } : {}),
          ...(backup.sw_version ? { softwareVersion: backup.sw_version } : {}),
        },
        details: {
          backupId: backup.id,
          description: backup.description ?? null,
          backupTime: backup.backup_time ?? null,
          backupTimeIso: typeof backup.backup_time === 'number' ? new Date(backup.backup_time * 1000).toISOString() : null,
          swVersion: backup.sw_version ?? null,
        },
      };
    },

    async deleteBackup(handle: BackupHandle): Promise<void> {
      await deleteById(handle.backupId);
    },

    restore: createNpmV1Restore({ deviceId, session, getBackup, deleteById, log, now: context.now }),
  };
};

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The size to expect: the backup's `size`, cross-checked with Content-Length when the device sends one. */
export function checkedSize(announced: number | undefined, contentLength: string | undefined): { value: number | undefined; problem?: string } {
  const length = contentLength === undefined ? undefined : Number(contentLength);
  if (length !== undefined && !Number.isSafeInteger(length)) return { value: announced, problem: `the download has an unreadable Content-Length "${contentLength}"` };
  if (announced !== undefined && length !== undefined && announced !== length) {
    return { value: announced, problem: `the device announced ${announced} bytes but the download has Content-Length ${length}` };
  }
  return { value: announced ?? length };
}
