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
  /**
   * The finished backup as a stream, with the size the device announced. With `options.offset`
   * a driver whose device can start mid-file (HTTP Range) returns the body from there and says so
   * in `Artifact.offset`; any other driver returns the whole file (offset 0) and the transfer skips.
   */
  openArtifact(handle: BackupHandle, options?: OpenArtifactOptions): Promise<Artifact>;
  /** Deletes the device-side copy; called only after the archive is committed. */
  deleteBackup(handle: BackupHandle): Promise<void>;
  /** Restore operations, where the device API allows restoring an archived backup. */
  readonly restore?: RestoreDriver;
}

/**
 * Bringing an archived backup back onto its device: check it fits, put the file where the
 * device restores from (upload, or the landing host), start, poll through the reboot, tidy up.
 */
export interface RestoreDriver {
  /** Why this archived backup must not be restored here (empty when it may). `force` waives version checks, never the type. */
  checkCompatibility(backup: ArchivedBackupFacts, options: { force: boolean }): Promise<string[]>;
  /**
   * Makes room and puts the file on the device (or its landing host), streamed; `open` may be called again for a retry.
   * A device that still holds these very bytes (the driver checked them against `backup.sha256`)
   * needs no upload: the driver then never calls `open` and says so with `ALREADY_ON_DEVICE` in the handle.
   */
  uploadBackup(upload: { open: () => Promise<Readable>; size: number; backup: ArchivedBackupFacts }): Promise<RestoreHandle>;
  startRestore(handle: RestoreHandle): Promise<RestoreHandle>;
  pollRestore(handle: RestoreHandle): Promise<RestoreProgress>;
  /** Removes the uploaded copy once the restore has ended. */
  removeUploaded(handle: RestoreHandle): Promise<void>;
}

/** What the manifest says about an archived backup, as far as a driver needs it. */
export interface ArchivedBackupFacts {
  deviceType: string;
  device: DeviceInfo;
  size: number;
  sha256: string;
  contentType: string;
  details: Record<string, string | number | boolean | null>;
}

/** Small JSON between restore steps, like BackupHandle. */
export interface RestoreHandle {
  [key: string]: string | number | boolean | null;
}

/**
 * Handle field of an upload that was not needed: the device already holds the archived bytes,
 * checked by the driver against the manifest's SHA-256, so the archive was not read.
 */
export const ALREADY_ON_DEVICE = 'alreadyOnDevice';

export type RestoreProgress =
  | { state: 'running'; detail?: string }
  | { state: 'completed'; withErrors: boolean; detail?: string }
  | { state: 'failed'; reason: string };

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
  | {
      state: 'completed';
      detail?: string;
      /**
       * What this run saw complete and the later steps must use as it was (e.g. the directory
       * the device wrote), merged into the handle: a later step never re-reads "the newest".
       */
      handle?: Omit<BackupHandle, 'backupId'>;
    }
  | { state: 'failed'; reason: string };

export interface DeviceInfo {
  hostname?: string;
  model?: string;
  serial?: string;
  softwareVersion?: string;
}

/** Where a resumed transfer wants the artifact's bytes to start. */
export interface OpenArtifactOptions {
  /** First byte wanted (0-based); 0 or absent: the whole file. */
  offset?: number;
  /**
   * The `Artifact.version` seen when the transfer began: a driver passes it to the device
   * (HTTP If-Range) so that a file that changed since is sent whole (offset 0), never spliced.
   */
  version?: string;
}

export interface Artifact {
  body: Readable;
  /** Bytes the device says the whole file has (not only the body); the transfer fails if the stream disagrees. Undefined when unknown. */
  size: number | undefined;
  /** The file offset of the body's first byte: set only when the device honoured `OpenArtifactOptions.offset`. Absent = 0. */
  offset?: number;
  /** A validator of this exact file content (HTTP ETag, else Last-Modified), when the device gives one. */
  version?: string;
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
  /**
   * Reads another secret the device's config names (a landing host's `landing.secret`), when the
   * driver needs it; absent where no step provides one (the driver then fails with a SecretError).
   */
  readSecret?: (name: string) => Promise<unknown>;
  http: DeviceHttpClient;
  log: Log;
  now: () => Date;
}

export type DriverFactory = (context: DriverContext) => Driver;

/** Prefix of the description of every backup this runner creates on a device. */
export const RUNNER_MARKER = 'backup-runner';
