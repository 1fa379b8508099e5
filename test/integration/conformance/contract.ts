import type { LocalRunResult } from '../../../cli/local/run-backups';
import type { LocalRestoreResult } from '../../../cli/local/run-restore';
import type { Sshd } from '../../../simulators/common/sshd';

/**
 * What the conformance suite asks of each device type: one row of device-types.ts. A row says how
 * to start its simulator, how to tell that an archived object is exactly what the simulator served
 * and that a restore brought exactly that back, and which faults of the matrix its protocol allows,
 * with the outcome each must end in. The harness (harness.ts) does everything else the same way for
 * every type: the synthesized state machines, s3rver, the archive checks before and after.
 */

/** The fault matrix (issue 15). */
export const FAULTS = [
  'unauthorized-mid-run',
  'reset-mid-download',
  'truncated-body',
  'server-error-burst',
  'slow-stream',
  'device-busy',
  'stale-status',
  'empty-file',
  'down-during-restore',
  'host-key-changed',
] as const;
export type FaultName = (typeof FAULTS)[number];

/** Faults about the bytes of the download: each runs with a small backup (one PutObject) and a large one (multipart). */
export const SIZE_FAULTS: readonly FaultName[] = ['reset-mid-download', 'truncated-body', 'slow-stream'];

const MiB = 1024 * 1024;
/** One PutObject: below the 8 MiB part. */
export const SMALL = 64 * 1024 + 3;
/** Two parts of the multipart upload (8 MiB parts). */
export const LARGE = 9 * MiB + 3;

/** Where a case ends: a verified archive or restore, or a failed run of this error whose cause names the device. */
export type Outcome = { archived: true } | { restored: true } | { failed: string; message?: RegExp };

export interface FaultCase<S> {
  /** When the fault bites: during the backup, or during a restore of a good backup. */
  phase: 'backup' | 'restore';
  /** Sets the fault on the running simulator just before that phase (the archive is compared from after it). */
  arm?: (device: StartedDevice<S>, context: ArmContext) => void | Promise<void>;
  outcome: Outcome;
  /**
   * Throws unless the fault really happened in this case: a case whose fault never bit proves
   * nothing. Not needed where the outcome itself shows it (the failure the fault causes).
   */
  bit?: (device: StartedDevice<S>, runs: CaseRuns) => void | Promise<void>;
  /** The backup's size for this case when not the harness's (an empty file). */
  size?: number;
  /**
   * A defect of issue 15 not fixed yet (its number and why): the case is expected to fail for now.
   * Temporary: remove once the fix has landed.
   */
  pending?: string;
}

/** The runs of a case: the backup, and the restore when the case has one. */
export interface CaseRuns {
  backup: LocalRunResult;
  restore?: LocalRestoreResult;
}

/** What a fault's `arm` may use. */
export interface ArmContext {
  /** Bytes of the case's backup. */
  size: number;
  /** Runs one backup of this device through the state machine: an earlier run, e.g. one whose status goes stale. */
  backUp(): Promise<LocalRunResult>;
}

/** What the harness gives every row. */
export interface ConformanceEnv {
  /** A scratch directory of the file (landing hosts, filers, backup directories live below it). */
  work: string;
  /** The real OpenSSH sshd of the file; only rows with `ssh: true` may read it. */
  sshd: Sshd;
}

export interface StartSpec {
  /** Bytes of each backup the simulator makes. */
  size: number;
  /** The case, so a row can start its simulator as the fault needs (a longer reboot, a changed host key). */
  fault: FaultName | undefined;
  /** The device id the harness uses in the config. */
  deviceId: string;
}

export interface StartedDevice<S> {
  sim: S;
  /** The device's config entry without `id` (the harness adds it and fast polls). */
  config: Record<string, unknown>;
  /** Secret name -> value, for every secret the entry names. */
  secrets: Record<string, unknown>;
  close(): Promise<void>;
}

export interface ConformanceType<S> {
  type: string;
  /** Has an SSH side (landing host, console, filer): runs only where sshd is installed. */
  ssh: boolean;
  /** Whether the backup is a file download at all (size faults run only where it is). */
  downloads: boolean;
  start(env: ConformanceEnv, spec: StartSpec): Promise<StartedDevice<S>>;
  /** Throws unless `bytes` (the archived object) is exactly what the simulator served for `run`. */
  checkServed(device: StartedDevice<S>, run: LocalRunResult, bytes: Buffer, manifest: ArchivedManifest): void | Promise<void>;
  /** Throws unless the simulator restored exactly the backup `run` archived, and finished. */
  checkRestored(device: StartedDevice<S>, run: LocalRunResult): void | Promise<void>;
  faults: Partial<Record<FaultName, FaultCase<S>>>;
}

/** The manifest fields the checks read. */
export interface ArchivedManifest {
  device: { id: string; type: string };
  backup: { deviceBackupId: string; details: Record<string, string | number | boolean | null> };
  object: { key: string; size: number; sha256: string; contentType: string };
}

/** A row, typed by its simulator, as the table holds it. */
export type AnyConformanceType = ConformanceType<never>;

/** Declares a row: the simulator type is checked inside the row, the table holds rows of any simulator. */
export function conformanceType<S>(row: ConformanceType<S>): AnyConformanceType {
  return row as unknown as AnyConformanceType;
}
