/**
 * The runner's own EventBridge events (default bus, source `backup-runner`): one per finished
 * backup or restore execution, besides the dispatcher's `Backup Skipped`. Rules route them
 * (SNS, a ticketing system); docs/operations.md documents every field. Only ids, keys, times, sizes and
 * the typed error's name and message: never a secret, never file content.
 */
export const EVENT_SOURCE = 'backup-runner';

export const DETAIL_TYPES = {
  backupSucceeded: 'Backup Succeeded',
  backupFailed: 'Backup Failed',
  backupSkipped: 'Backup Skipped',
  restoreSucceeded: 'Restore Succeeded',
  restoreFailed: 'Restore Failed',
  /** The fleet health check's notices: devices that started failing, or went stale, in its window. */
  backupsFailing: 'Backups Failing',
  backupsStale: 'Backups Stale',
} as const;

export type RunnerDetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** Terminal statuses of a Step Functions execution. */
export type TerminalStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface ExecutionFacts {
  deviceId: string;
  executionName: string;
  executionArn: string;
  status: TerminalStatus;
  startedAt: string;
  stoppedAt: string;
  durationSeconds: number;
}

export interface BackupSucceededDetail extends ExecutionFacts {
  status: 'SUCCEEDED';
  occurrence: string | null;
  trigger: 'schedule' | 'manual';
  key: string;
  size: number;
  sha256: string;
  /** Seconds spent in TransferToArchive (all its invocations); null when the history did not say. */
  transferSeconds: number | null;
  /** size / transferSeconds in MB (10^6 bytes) per second; null without transferSeconds. */
  megabytesPerSecond: number | null;
  /** The archive is safe, but the device copy was not deleted or the archive not pruned. */
  warnings: string[];
}

export interface BackupFailedDetail extends ExecutionFacts {
  status: Exclude<TerminalStatus, 'SUCCEEDED'>;
  occurrence: string | null;
  trigger: 'schedule' | 'manual';
  /** The typed error's name (`DeviceUnreachable`, `States.Timeout`, ...). */
  error: string;
  /** Its message: names the device and the problem. */
  cause: string;
}

export interface RestoreSucceededDetail extends ExecutionFacts {
  status: 'SUCCEEDED';
  targetDeviceId: string;
  key: string | null;
  dryRun: boolean;
  withErrors: boolean;
  recoveryMs: number | null;
  warnings: string[];
}

export interface RestoreFailedDetail extends ExecutionFacts {
  status: Exclude<TerminalStatus, 'SUCCEEDED'>;
  targetDeviceId: string;
  key: string | null;
  error: string;
  cause: string;
}

/** At most this many devices are listed in one fleet notice (an EventBridge event holds 256 KB); the counts are whole. */
export const MAX_LISTED_DEVICES = 100;

/** Common to the fleet health check's notices. */
interface FleetNoticeFacts {
  /** The check's window: problems that started in (windowStart, checkedAt] are listed. */
  windowStart: string;
  checkedAt: string;
}

export interface BackupsFailingDetail extends FleetNoticeFacts {
  /** Devices of the fleet whose latest backup failed (the FailingDevices metric). */
  failingCount: number;
  newlyFailingCount: number;
  /** Those that started failing in the window, each with its first failed execution and error; at most MAX_LISTED_DEVICES. */
  newlyFailing: { deviceId: string; since: string; executionName: string; error: string; cause: string }[];
}

export interface BackupsStaleDetail extends FleetNoticeFacts {
  /** Scheduled devices whose newest committed backup is older than their threshold (the StaleDevices metric). */
  staleCount: number;
  newlyStaleCount: number;
  /** Those that went stale in the window; at most MAX_LISTED_DEVICES. */
  newlyStale: { deviceId: string; newestBackup: string; ageHours: number; thresholdHours: number }[];
}

export type FleetNotice = { detailType: 'Backups Failing'; detail: BackupsFailingDetail } | { detailType: 'Backups Stale'; detail: BackupsStaleDetail };

export type RunnerEvent =
  | { detailType: 'Backup Succeeded'; detail: BackupSucceededDetail }
  | { detailType: 'Backup Failed'; detail: BackupFailedDetail }
  | { detailType: 'Restore Succeeded'; detail: RestoreSucceededDetail }
  | { detailType: 'Restore Failed'; detail: RestoreFailedDetail };
