import type { ScheduleInput } from '../schedule';

/**
 * What the fleet report is built from: the devices (config), the committed copies in the archive
 * (manifests), and the run history that exists where the report is made (docs/report.md, "Run
 * history"): for a local archive the records `run`, `drill` and `restore` append under
 * `.backup-runner/history/`; for a deployed stack the executions Step Functions keeps (90 days).
 * Plain data: the collectors (archive listing, history readers) fill it, `buildFleetReport` reads it.
 */

/** A configured device, as far as the report needs it. */
export interface ReportDevice {
  id: string;
  /** The driver type (`riverbed-npm-v1`, ...). */
  type: string;
  /** Absent: the device is backed up on demand only. */
  schedule?: { rrule: ScheduleInput; timezone: string } | undefined;
}

/** One committed backup in the archive (an object with its manifest). */
export interface ArchiveCopy {
  deviceId: string;
  key: string;
  /** When the backup was taken (the manifest's run.startedAt; the key's stamp where the manifest was not read). */
  time: Date;
  size: number;
  /** As S3 lists it: STANDARD, GLACIER_IR, GLACIER, DEEP_ARCHIVE, ... */
  storageClass: string;
  /** From the manifest, when it was read: a device no longer in the config still shows its type. */
  deviceType?: string | undefined;
  /** The scheduled occurrence the run served, when the manifest was read and it was a scheduled run. */
  occurrence?: Date | null | undefined;
}

/** How a backup run ended; RUNNING for one that has not yet. */
export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING';

/** One backup run (a local run, or an execution of the deployed backup state machine). */
export interface BackupRunRecord {
  deviceId: string;
  executionName: string;
  status: RunStatus;
  startedAt: Date;
  stoppedAt?: Date | undefined;
  /** The occurrence a scheduled run served; null or absent for on-demand runs. */
  occurrence?: Date | null | undefined;
  /** Failed runs: the typed error's name and its message (device text: untrusted, bounded by whoever recorded it). */
  error?: string | undefined;
  cause?: string | undefined;
}

/** An occurrence that was due and deliberately not started (another run of the device was still going, or it was too late). */
export interface SkippedRunRecord {
  deviceId: string;
  /** The occurrence it was due for; when absent, `at`. */
  occurrence?: Date | null | undefined;
  /** When the skip was decided. */
  at: Date;
  reason: string;
  message?: string | undefined;
}

/** One restore (a drill onto a standby, or a real one) of a device's backup; dry runs are not restores. */
export interface RestoreRecord {
  /** Whose backup was restored. */
  deviceId: string;
  targetDeviceId: string;
  executionName: string;
  status: RunStatus;
  startedAt: Date;
  stoppedAt?: Date | undefined;
  /** Request to device back up, when it completed. */
  recoveryMs?: number | null | undefined;
  /** Completed with errors reported by the device. */
  withErrors?: boolean | undefined;
  /** True for `backup-runner drill`; false or absent for other restores. */
  drill?: boolean | undefined;
  key?: string | null | undefined;
  error?: string | undefined;
  cause?: string | undefined;
}

/** Where the data came from, for the reader: the page says what it covers and what it cannot know. */
export interface ReportSource {
  /** `local`: an archive this machine reaches, history from `.backup-runner/history`; `stack`: a deployed stack. */
  kind: 'local' | 'stack';
  /** The archive, for people: `s3://bucket/prefix` or the embedded store's folder. */
  archive: string;
  /** What the run history is and how far back it reaches. */
  history: string;
  /** The stack name, for `stack`. */
  stack?: string | undefined;
}

export interface ReportOptions {
  /** Days in the calendar strip, ending today. @default 90 */
  days?: number;
  /** The zone the calendar's days are counted in. @default 'UTC' */
  timeZone?: string;
  /**
   * How long after an occurrence its backup may still be on the way before the device counts as
   * late (never more than half the gap before that occurrence). @default 6 hours
   */
  graceHours?: number;
}

export interface ReportInput {
  /** The report's `now`: ages, lateness and "this week" are counted from it. */
  now: Date;
  source: ReportSource;
  devices: readonly ReportDevice[];
  copies: readonly ArchiveCopy[];
  runs: readonly BackupRunRecord[];
  skips: readonly SkippedRunRecord[];
  restores: readonly RestoreRecord[];
  /** Problems met while collecting (an unreadable manifest, a history file that did not parse): shown, never fatal. */
  notes?: readonly string[];
  options?: ReportOptions;
}
