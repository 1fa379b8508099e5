import type { Readable } from 'node:stream';
import type { DeviceHttpClient } from '../common/http';
import type { Log } from '../common/log';
import type { DeviceConfig, DeviceType } from '../config/schema';

/**
 * The contract every device API implements, so the workflow never branches on vendor.
 * Drivers throw the typed errors of common/errors.ts (busy, unreachable, authentication,
 * rejected request, protocol, device operation failed, integrity).
 */
export interface Driver {
  readonly type: DeviceType;
  /** Makes room where the device limits its backups, then starts one. */
  startBackup(request: StartBackupRequest): Promise<BackupHandle>;
  /** One look at the backup's progress. */
  pollBackup(handle: BackupHandle): Promise<BackupProgress>;
  /** The finished backup as a stream, with the size the device announced. */
  openArtifact(handle: BackupHandle): Promise<Artifact>;
  /** Deletes the device-side copy; called only after the archive is committed. */
  deleteBackup(handle: BackupHandle): Promise<void>;
}

export interface StartBackupRequest {
  /** Short id of this run; also in the archive key. */
  runId: string;
  /** Description for the device-side backup; starts with RUNNER_MARKER so we can tell our backups apart. */
  description: string;
}

/** Small JSON passed between workflow steps: ids and paths, never secrets or file content. */
export interface BackupHandle {
  /** The device's own id for the backup. */
  backupId: string;
  [key: string]: string | number | boolean | null;
}

export type BackupProgress =
  | { state: 'running'; detail?: string }
  | { state: 'completed'; detail?: string }
  | { state: 'failed'; reason: string };

export interface DeviceInfo {
  hostname?: string;
  model?: string;
  serial?: string;
  softwareVersion?: string;
}

export interface Artifact {
  body: Readable;
  /** Bytes the device says the file has; the transfer fails if the stream disagrees. Undefined when unknown. */
  size: number | undefined;
  contentType: string;
  /** File extension for the archive key, without the dot: `tar.gz`. */
  extension: string;
  /** What the device says about itself and the backup, for the manifest. */
  device: DeviceInfo;
  /** Device-side details worth keeping in the manifest (backup time, description...). */
  details: Record<string, string | number | boolean | null>;
}

export interface DriverContext {
  device: DeviceConfig;
  /** The device's secret as read from Secrets Manager; the driver validates the fields it needs. */
  secret: unknown;
  http: DeviceHttpClient;
  log: Log;
  now: () => Date;
}

export type DriverFactory = (context: DriverContext) => Driver;

/** Prefix of the description of every backup this runner creates on a device. */
export const RUNNER_MARKER = 'backup-runner';
