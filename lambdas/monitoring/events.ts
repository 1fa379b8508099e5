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

export type RunnerEvent =
  | { detailType: 'Backup Succeeded'; detail: BackupSucceededDetail }
  | { detailType: 'Backup Failed'; detail: BackupFailedDetail }
  | { detailType: 'Restore Succeeded'; detail: RestoreSucceededDetail }
  | { detailType: 'Restore Failed'; detail: RestoreFailedDetail };
