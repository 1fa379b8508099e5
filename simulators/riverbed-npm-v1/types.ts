import type { SimulatorEndpoint, SimulatorListenOptions } from '../common/types';

/** Options of the Riverbed npm.backup 1.0 simulator (AppResponse 11 / Portal). */
export interface NpmV1SimulatorOptions extends SimulatorListenOptions {
  /** Default admin / admin. */
  username?: string;
  password?: string;
  /** Bytes of each generated backup file, default 4 MiB. Generated on the fly, so 4 GiB+ costs no memory. */
  backupSize?: number;
  /** Time from POST /backups to status completed ('started' before), default 1000. */
  backupDurationMs?: number;
  /** Time from the end of an upload to status completed ('uploading' before), default 200. */
  uploadProcessingMs?: number;
  /** Restore reboot: connections are destroyed for this long, default 2000. */
  rebootMs?: number;
  /**
   * The reboot also lasts until it has refused this many connections or requests, default 0. Tests
   * that must see the reboot set it: a window of rebootMs alone can pass unseen on a loaded machine.
   */
  rebootRefusals?: number;
  /**
   * The appliance's clock minus the real one, in ms: `backup_time` and `last_restore_time` are the
   * device's clock (device-apis.md: never compare them with the runner's alone). Default -120000:
   * two minutes behind, the less convenient side for a client that compares with its own start.
   */
  clockSkewMs?: number;
  /** Which mgmt.aaa token endpoint exists (the other answers 404), default '2.0'. */
  tokenApi?: '2.0' | '1.0';
  /** Token lifetime, default 900 (real devices: about 15 minutes). */
  tokenTtlSeconds?: number;
  swVersion?: string;
  hostname?: string;
  model?: string;
  serial?: string;
  /** Content seed, so different simulators serve different bytes. Default: derived from the port (see `seed` on the simulator). */
  seed?: number;
  /** Backups someone else made, present at start (completed, generated content). */
  existingBackups?: Array<{ description: string; backup_time?: number }>;
  faults?: NpmV1Faults;
}

/** Faults; the object is live: tests change it between steps. One-shot faults remove themselves when spent. */
export interface NpmV1Faults {
  /** After N authenticated requests, every issued token becomes invalid once (401 AUTH_REQUIRED): the client must log in again. */
  revokeTokensAfterRequests?: number;
  /** Destroy the socket after sending this many body bytes of a download. */
  resetDownloadAtByte?: number;
  /** End the download cleanly (chunked, no Content-Length) after this many bytes. */
  truncateDownloadAtByte?: number;
  /** Backups are shown without `size` (seed 000: "Optional"): with truncateDownloadAtByte, nothing announces how long the file is. */
  omitSize?: boolean;
  /** The next `count` requests (any path) get this 5xx status (default 503) with an error body. */
  serverErrors?: { count: number; status?: number };
  /** Throttle downloads. */
  bytesPerSecond?: number;
  /** Downloads ignore `Range` (always 200 with the whole file, no Accept-Ranges): a device without Range support. */
  ignoreRange?: boolean;
  /** Backups created while set end in status 'failed' with a status_message. */
  backupFails?: boolean;
  /** GET /backups/items/{id} answers HTML, or reports status 'exploded'. */
  garbage?: 'non-json' | 'unknown-status';
  /** Every login fails with 401 AUTH_INVALID_CREDENTIALS. */
  rejectCredentials?: boolean;
  /** Restores started while set end in this status (with this status_message) after the reboot, instead of completed. */
  restoreOutcome?: { status: 'failed' | 'completed_with_errors'; message?: string };
}

/** What the device holds, for assertions. */
export interface SimBackupRecord {
  id: string;
  description: string;
  status: string;
  /** Bytes of the file (the announced size of a generated backup, the received bytes of an upload). */
  size: number;
  /** SHA-256 (lower-case hex) of the file's exact bytes; computed on first access for generated files. */
  sha256: string;
  /** Epoch seconds. */
  backup_time: number;
  uploaded: boolean;
}

export interface SimRestoreRecord {
  backupId: string;
  /** Epoch milliseconds. */
  startedAt: number;
  status: string;
}

/** A file received by POST /backups/upload: kept after the backup is deleted, so tests see what the device got. */
export interface SimUploadRecord {
  backupId: string;
  /** Bytes received. */
  size: number;
  /** SHA-256 (lower-case hex) of the bytes received. */
  sha256: string;
  /** Whether the upload arrived whole (false: the client broke off). */
  complete: boolean;
}

export interface SimRequestRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  /** HTTP status sent; 0 when the connection was dropped before an answer (reboot). */
  status: number;
}

export interface NpmV1Simulator extends SimulatorEndpoint {
  /** The content seed in use (for expectedBackupDigest). */
  seed: number;
  /** Mutable: tests change faults between steps. */
  faults: NpmV1Faults;
  backups(): SimBackupRecord[];
  restores(): SimRestoreRecord[];
  /** Every upload received, also of backups since deleted. */
  uploads(): SimUploadRecord[];
  requests(): SimRequestRecord[];
  /** Rewrites a generated backup's file in place (other bytes, new ETag; `size` changes its length too). */
  replaceBackupFile(backupId: string, change?: { size?: number }): void;
}
