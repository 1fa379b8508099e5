import type { ReportSource } from './report-input';

/**
 * The fleet report's data: what `report --json` prints and what the HTML page shows. Plain JSON
 * (times as ISO-8601 UTC strings), so the document is its own contract. Docs: docs/report.md.
 */

export const REPORT_SCHEMA_VERSION = 1;

/**
 * A device's state, worst first:
 * - `missing`: no committed backup at all;
 * - `failing`: the latest backup run failed (after the newest committed backup);
 * - `late`: the newest committed backup is older than the occurrence the schedule expected one for;
 * - `on-time`: a committed backup for the expected occurrence (or newer);
 * - `unscheduled`: backed up on demand only, nothing to be late for.
 */
export type DeviceState = 'missing' | 'failing' | 'late' | 'on-time' | 'unscheduled';

export const DEVICE_STATES: readonly DeviceState[] = ['missing', 'failing', 'late', 'on-time', 'unscheduled'];

/**
 * One calendar day of a device, as one character of `DeviceReport.calendar`:
 * S succeeded (a committed backup or a successful run), F failed (runs, none succeeded),
 * K skipped (an occurrence deliberately not started), M missed (an occurrence was due, nothing ran),
 * `.` no run and none due.
 */
export type DayCode = 'S' | 'F' | 'K' | 'M' | '.';

export const DAY_CODES: Readonly<Record<DayCode, string>> = {
  S: 'succeeded',
  F: 'failed',
  K: 'skipped',
  M: 'no run (one was due)',
  '.': 'no run',
};

export interface CopyReport {
  time: string;
  size: number;
  storageClass: string;
  key: string;
}

export interface SizePoint {
  time: string;
  size: number;
  /** Far smaller than the backups before it (under SIZE_DROP_RATIO of their median). */
  drop: boolean;
}

export interface RunReport {
  executionName: string;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  error?: string;
  cause?: string;
}

export interface RestoreReport {
  executionName: string;
  status: string;
  target: string;
  startedAt: string;
  recoveryMs: number | null;
  withErrors: boolean;
  drill: boolean;
  key: string | null;
  error?: string;
  cause?: string;
}

export interface DeviceReport {
  id: string;
  /** From the config; from the newest manifest for a device no longer configured; `unknown` otherwise. */
  type: string;
  /** False for a device that has backups or history but is no longer in the config. */
  inConfig: boolean;
  state: DeviceState;
  /** One line saying why the device is in its state, for people. */
  reason: string;
  schedule: {
    /** The rule as written (RFC 5545 text, or the npm.backup 2.0 object as JSON). */
    rule: string;
    timezone: string;
    /** The occurrence a committed backup should exist for by now; null before the first. */
    expected: string | null;
    /** The next occurrence after the report's time; null when the rule has ended. */
    next: string | null;
  } | null;
  lastGood: (CopyReport & { ageHours: number }) | null;
  /** Late devices: hours since the expected occurrence, and how many occurrences since the newest backup got none. */
  lateByHours: number | null;
  missedOccurrences: number | null;
  lastRun: RunReport | null;
  /** The newest failed run (any age within the history). */
  lastFailure: RunReport | null;
  failuresThisWeek: number;
  /** One DayCode per day of the window, oldest first. */
  calendar: string;
  /** The committed copies in the window, oldest first, with size drops flagged. */
  sizes: SizePoint[];
  /** The newest copy is far smaller than the ones before it. */
  sizeDrop: { size: number; typical: number } | null;
  /** Every committed copy, newest first. */
  copies: CopyReport[];
  /** Copies and bytes per storage class. */
  storage: Record<string, { copies: number; bytes: number }>;
  bytes: number;
  lastRestore: RestoreReport | null;
}

export interface FleetSummary {
  devices: number;
  states: Record<DeviceState, number>;
  bytesArchived: number;
  copies: number;
  /** Failed backup runs in the last 7 days, and how many devices they were of. */
  failuresThisWeek: { runs: number; devices: number };
  /** Devices whose newest copy is far smaller than the ones before. */
  sizeDrops: number;
  /** Devices with a restore (drill or real) on record, and with one that succeeded. */
  restored: { devices: number; succeeded: number };
  storage: Record<string, { copies: number; bytes: number }>;
  types: string[];
}

export interface FleetReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  source: ReportSource;
  window: { days: number; timeZone: string; from: string; to: string; firstDay: string };
  dayCodes: Readonly<Record<DayCode, string>>;
  summary: FleetSummary;
  /** Worst state first, then by id. */
  devices: DeviceReport[];
  notes: string[];
}
