import type { ArchivedBackupFacts, RestoreHandle } from '../drivers/driver';
import type { BackupSelector } from './selector';

/** What starts a restore execution: the CLI (`restore`, `drill`) or an operator's StartExecution. */
export interface RestoreExecutionInput {
  /** The device whose archived backup is restored. */
  deviceId: string;
  /** Where it is restored; the device itself when absent (a drill names a standby). */
  targetDeviceId?: string;
  selector: BackupSelector;
  /** Waives the software version check, never the device type check. */
  force?: boolean;
  /** Choose and check only: nothing is thawed, uploaded or restored. */
  dryRun?: boolean;
}

/** The ChooseBackup task's payload: the execution input plus facts from the context object. */
export interface ChooseBackupEvent {
  input: RestoreExecutionInput;
  executionName: string;
  executionStartTime: string;
}

/** The archived backup chosen, as far as the later steps need it. */
export interface ChosenBackup {
  deviceId: string;
  key: string;
  manifestKey: string;
  versionId?: string;
  /** When it was taken (ISO-8601 UTC). */
  time: string;
  size: number;
  sha256: string;
  storageClass: string;
  facts: ArchivedBackupFacts;
}

export interface ThawState {
  /** needed: RequestThaw must ask S3; in-progress: WaitForThaw/CheckThaw loop; ready / not-needed: go on. */
  status: 'not-needed' | 'needed' | 'in-progress' | 'ready';
  reason: string;
  tier?: string;
  days?: number;
  requestedAt?: string;
  deadline?: string;
  /** HeadObject checks made so far. */
  checks: number;
  /** How long WaitForThaw waits. */
  waitSeconds: number;
  /** When the thawed copy expires again. */
  expiry?: string;
}

export interface RestorePollState {
  attempt: number;
  waitSeconds: number;
  /** When the restore must have finished (restorePoll.timeoutMinutes after it started). */
  deadline: string;
  /** Start of the current run of failed polls (the reboot); null after a good answer. */
  unreachableSince: string | null;
  /** Polls that failed as the reboot does (refused, reset, 5xx, 401), over the whole restore. */
  unreachablePolls: number;
  detail?: string;
}

/**
 * The state carried between the restore workflow's steps: ids, keys, times, the small driver
 * handle. Never a secret, never file content.
 */
export interface RestoreState {
  deviceId: string;
  targetDeviceId: string;
  targetType: string;
  executionName: string;
  /** When the restore was requested (the execution's start): recovery time counts from here. */
  requestedAt: string;
  force: boolean;
  dryRun: boolean;
  /** The selector in words. */
  selected: string;
  backup: ChosenBackup;
  /** What was checked and found fine (for the plan and the report). */
  checks: string[];
  thaw: ThawState;
  status: 'planned' | 'checked' | 'uploaded' | 'restoring' | 'completed';
  device?: { handle: RestoreHandle; uploadedAt: string; uploadMs: number };
  restore?: { startedAt: string; handle: RestoreHandle };
  poll?: RestorePollState;
  outcome?: {
    withErrors: boolean;
    detail?: string;
    /** When the device was seen back up with the restore completed. */
    completedAt: string;
    /** Request to device back up. */
    recoveryMs: number;
    /** Restore started to device back up. */
    deviceOutageMs: number;
  };
  /** Set by RemoveUploadedCopy. */
  uploadedCopyRemoved?: boolean;
}
