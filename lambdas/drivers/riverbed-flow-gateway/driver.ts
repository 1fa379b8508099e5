import { posix } from 'node:path';
import { DeviceBusy, DeviceOperationFailed, DeviceProtocolError, SecretError } from '../../common/errors';
import type { FlowGatewayDeviceConfig } from '../../config/schema';
import { openSftpSession, removeRemoteTree, tarRemoteDirectory, untarToRemote, type SftpSession } from '../../transfer/sftp';
import type {
  ArchivedBackupFacts,
  Artifact,
  BackupHandle,
  BackupProgress,
  Driver,
  DriverContext,
  DriverFactory,
  RestoreDriver,
  RestoreHandle,
  RestoreProgress,
  StartBackupRequest,
} from '../driver';
import { FlowGatewayClient } from './client';
import { flowGatewayPaths } from './paths';
import { parseBackupStatus, parseRestoreStatus, stateOf, type FgBackupStatus } from './responses';
import { parseFlowGatewayCredentials, parseLandingAccount, type LandingAccount } from './secret';
import { resolveSubdir } from './subdir';
import { isThisRun, markerFields, markerOf, statusOf, timeStampOf } from './this-run';

export const FLOW_GATEWAY_CONTENT_TYPE = 'application/x-tar';

/**
 * Riverbed Flow Gateway (mgmt.gateway_backup 1.0): the gateway pushes its backup over SSH to a
 * landing host we name, as a new directory per run (`subdir`); the runner archives that
 * directory from the landing host as one tar stream, then removes it (landing.removeAfterArchive).
 * Handles carry a run label and the directory the gateway reported before we started, so a
 * completed status is only taken for a new directory.
 */
export const createFlowGatewayDriver: DriverFactory = (context: DriverContext): Driver => {
  const device = context.device as FlowGatewayDeviceConfig;
  const { log } = context;
  const deviceId = device.id;
  const landing = device.landing;
  const credentials = parseFlowGatewayCredentials(context.secret, device.secret, deviceId);
  const client = new FlowGatewayClient(context.http, deviceId, credentials);

  let landingAccount: Promise<LandingAccount> | undefined;
  const account = (): Promise<LandingAccount> => {
    landingAccount ??= (async () => {
      if (!context.readSecret) throw new SecretError(`cannot read the landing secret "${landing.secret}" here (no secret source)`, { deviceId });
      return parseLandingAccount(await context.readSecret(landing.secret), landing.secret, deviceId);
    })();
    return landingAccount;
  };
  const openLanding = async (): Promise<SftpSession> =>
    openSftpSession(
      {
        deviceId,
        what: 'landing host',
        host: landing.host,
        port: landing.port,
        hostKey: landing.hostKey,
        hostKeyField: 'landing.hostKey',
        connectSeconds: device.timeouts.connectSeconds,
        idleSeconds: device.timeouts.idleSeconds,
      },
      (await account()).pull,
      { log },
    );

  const status = async (): Promise<FgBackupStatus> =>
    parseBackupStatus(await client.getJson(flowGatewayPaths.backup), deviceId, `the answer of GET ${flowGatewayPaths.backup}`);

  /**
   * The directory of the backup this handle started, as the gateway reports it the moment it
   * shows this run COMPLETED: a new `last_successful.subdir` whose timeStamp is this run's.
   */
  const completedSubdir = (current: FgBackupStatus, handle: BackupHandle): string | undefined => {
    const subdir = current.lastSuccessful?.subdir ?? undefined;
    if (!subdir || subdir === handle.previousSubdir) return undefined;
    const ours = timeStampOf(current.running);
    const its = timeStampOf(current.lastSuccessful);
    if (ours !== null && its !== null && ours !== its) return undefined;
    return resolveSubdir(landing.path, subdir, deviceId);
  };

  /** The directory PollBackup saw this run complete (kept in the handle): archive and delete exactly that. */
  const handleSubdir = (handle: BackupHandle): string | undefined =>
    typeof handle.subdir === 'string' ? resolveSubdir(landing.path, handle.subdir, deviceId) : undefined;

  const restore: RestoreDriver = {
    async checkCompatibility(backup: ArchivedBackupFacts): Promise<string[]> {
      const problems: string[] = [];
      if (backup.deviceType !== 'riverbed-flow-gateway') problems.push(`the archived backup is from a ${backup.deviceType}, not a Flow Gateway`);
      if (backup.contentType !== FLOW_GATEWAY_CONTENT_TYPE) problems.push(`the archived object is ${backup.contentType}, not the tar of a gateway backup directory`);
      return problems;
    },

    async uploadBackup(upload): Promise<RestoreHandle> {
      // The gateway restores the newest directory under the path it is given (seed 002), so the
      // archived directory goes into a staging directory of its own: nothing newer can be picked.
      const staging = posix.join(landing.path, `restore-${context.now().toISOString().replace(/[-:.]/g, '')}`);
      const session = await openLanding();
      try {
        await session.mkdir(staging, 0o750);
        const unpacked = await untarToRemote(session, staging, await upload.open());
        if (unpacked.topLevel.length !== 1) {
          throw new DeviceOperationFailed(`the archived tar holds ${unpacked.topLevel.length} top-level entries (${unpacked.topLevel.join(', ')}); a gateway backup is one directory`, { deviceId });
        }
        log.info('backup directory put back on the landing host', { device: deviceId, staging, directory: unpacked.topLevel[0], files: unpacked.files, bytes: unpacked.bytes });
        return { stagingPath: staging, directory: unpacked.topLevel[0]! };
      } finally {
        session.close();
      }
    },

    async startRestore(handle: RestoreHandle): Promise<RestoreHandle> {
      const { push } = await account();
      const before = parseRestoreStatus(await client.getJson(flowGatewayPaths.restore), deviceId, `the answer of GET ${flowGatewayPaths.restore}`);
      const marker = { startedAtMs: context.now().getTime(), previousTimeStamp: timeStampOf(before), previousStatus: statusOf(before) };
      await client.postJson(flowGatewayPaths.restore, {
        hostname: landing.host,
        username: push.username,
        password: push.password,
        path: String(handle.stagingPath),
        security_pwd: credentials.securityPassword,
        no_cert: 'false',
      });
      log.info('restore started', { device: deviceId, path: handle.stagingPath });
      return { ...handle, ...markerFields(marker) };
    },

    async pollRestore(handle: RestoreHandle): Promise<RestoreProgress> {
      const what = `the answer of GET ${flowGatewayPaths.restore}`;
      const current = parseRestoreStatus(await client.getJson(flowGatewayPaths.restore), deviceId, what);
      if (!isThisRun(current, markerOf(handle), deviceId, what)) {
        return { state: 'running', detail: `the gateway still shows an earlier restore (${stateOf(current.status, deviceId, what)}, timeStamp ${timeStampOf(current) ?? 'none'}); this one has not shown yet` };
      }
      const message = current.message?.trim() || undefined;
      switch (stateOf(current.status, deviceId, what)) {
        case 'none':
        case 'executing':
          return { state: 'running', ...(message ? { detail: message } : {}) };
        case 'completed':
          // The seed: `message` holds warnings that "may or may not be fatal"; keep them visible.
          return { state: 'completed', withErrors: message !== undefined, ...(message ? { detail: message } : {}) };
        case 'error':
          return { state: 'failed', reason: `the gateway reports the restore failed: ${message ?? 'no message given'}` };
      }
    },

    async removeUploaded(handle: RestoreHandle): Promise<void> {
      const session = await openLanding();
      try {
        await removeRemoteTree(session, String(handle.stagingPath), log);
      } finally {
        session.close();
      }
    },
  };

  return {
    type: 'riverbed-flow-gateway',

    async startBackup(request: StartBackupRequest): Promise<BackupHandle> {
      const startedAt = context.now().getTime();
      const before = await status();
      const what = `the answer of GET ${flowGatewayPaths.backup}`;
      if (before.running && stateOf(before.running.status, deviceId, what) === 'executing') {
        throw new DeviceBusy(`a backup started at ${before.running.timeStamp ?? 'an unknown time'} to ${before.running.host ?? '?'}:${before.running.path ?? '?'} is still running on the gateway; will retry later`, {
          deviceId,
        });
      }
      const { push } = await account();
      await client.postJson(flowGatewayPaths.backup, {
        hostname: landing.host,
        username: push.username,
        password: push.password,
        path: landing.path,
        security_pwd: credentials.securityPassword,
      });
      log.info('backup started', { device: deviceId, landing: `${landing.host}:${landing.path}`, runId: request.runId });
      return {
        backupId: `fg-${request.runId}`,
        previousSubdir: before.lastSuccessful?.subdir ?? null,
        ...markerFields({ startedAtMs: startedAt, previousTimeStamp: timeStampOf(before.running), previousStatus: statusOf(before.running) }),
      };
    },

    async pollBackup(handle: BackupHandle): Promise<BackupProgress> {
      const current = await status();
      const what = `the answer of GET ${flowGatewayPaths.backup}`;
      if (!isThisRun(current.running, markerOf(handle), deviceId, what)) {
        const shown = current.running?.status ? `${stateOf(current.running.status, deviceId, what)}, timeStamp ${timeStampOf(current.running) ?? 'none'}` : 'nothing';
        return { state: 'running', detail: `accepted; the gateway still shows an earlier run (${shown})` };
      }
      const message = current.running?.message?.trim() || undefined;
      switch (stateOf(current.running?.status, deviceId, what)) {
        case 'none':
          // Accepted but not begun yet: the poll time limit ends a start that never happens.
          return { state: 'running', detail: 'accepted, not started yet' };
        case 'executing':
          return { state: 'running', ...(message ? { detail: message } : {}) };
        case 'error':
          return { state: 'failed', reason: `the gateway reports the backup failed: ${message ?? 'no message given'}` };
        case 'completed': {
          const subdir = completedSubdir(current, handle);
          if (!subdir) {
            throw new DeviceProtocolError(
              `the gateway reports this run COMPLETED but no new backup directory of it (last_successful.subdir is ${JSON.stringify(current.lastSuccessful?.subdir ?? null)}, timeStamp ${timeStampOf(current.lastSuccessful) ?? 'none'}; before this run ${JSON.stringify(handle.previousSubdir ?? null)})`,
              { deviceId },
            );
          }
          return {
            state: 'completed',
            ...(message ? { detail: message } : {}),
            handle: { subdir, subdirTimeStamp: timeStampOf(current.lastSuccessful) },
          };
        }
      }
    },

    async openArtifact(handle: BackupHandle): Promise<Artifact> {
      const subdir = handleSubdir(handle);
      if (!subdir) throw new DeviceProtocolError('the run handle names no completed backup directory (PollBackup keeps it): nothing to archive', { deviceId });
      const current = await status();
      // The warnings are the gateway's for this directory only; a newer backup's are not ours.
      const sameDirectory = current.lastSuccessful?.subdir ? resolveSubdir(landing.path, current.lastSuccessful.subdir, deviceId) === subdir : false;
      const session = await openLanding();
      let tar;
      try {
        tar = await tarRemoteDirectory(session, subdir, { idleSeconds: device.timeouts.idleSeconds, log });
      } catch (error) {
        session.close();
        throw error;
      }
      const warnings = (sameDirectory ? current.lastSuccessful?.message?.trim() : undefined) || null;
      return {
        body: tar.body,
        size: tar.size,
        contentType: FLOW_GATEWAY_CONTENT_TYPE,
        extension: 'tar',
        device: { hostname: new URL(device.url).hostname },
        details: {
          subdir,
          landingHost: `${landing.host}:${landing.port}`,
          files: tar.entries.filter((e) => e.type === 'file').length,
          gatewayTimeStamp: typeof handle.subdirTimeStamp === 'string' ? handle.subdirTimeStamp : null,
          warnings,
          // The backup is encrypted with the device secret's securityPassword; a restore needs it.
          securityPasswordRequired: true,
        },
      };
    },

    async deleteBackup(handle: BackupHandle): Promise<void> {
      if (!landing.removeAfterArchive) {
        log.info('landed copy kept (landing.removeAfterArchive is false)', { device: deviceId });
        return;
      }
      const subdir = handleSubdir(handle);
      if (!subdir) {
        log.warn('the run handle names no archived directory; nothing removed from the landing host', { device: deviceId });
        return;
      }
      const session = await openLanding();
      try {
        const removed = await removeRemoteTree(session, subdir, log).catch((error: unknown) => {
          // Already gone is what we wanted.
          if (error instanceof DeviceOperationFailed && /does not exist/.test(error.message)) return 0;
          throw error;
        });
        log.info('landed copy removed', { device: deviceId, subdir, entries: removed });
      } finally {
        session.close();
      }
    },

    restore,
  };
};
