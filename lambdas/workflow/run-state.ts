import type { BackupHandle } from '../drivers/driver';
import type { TransferHandOver } from '../transfer/resumable/continuation';

/** What starts a backup execution: the dispatcher, `backup-now` or a local `run` sends this. */
export interface BackupExecutionInput {
  deviceId: string;
  /** The scheduled occurrence (ISO-8601 UTC) this execution is for; null for manual runs. */
  occurrence?: string | null;
  trigger?: 'schedule' | 'manual';
  /** Which run of the backup inside this execution (1 = first; `retry.attempts` adds more). Absent = 1. */
  attempt?: number;
  /**
   * When the dispatcher tick that started it ran (ISO-8601 UTC). A later tick that plans the same
   * occurrence again sends another input, so Step Functions answers ExecutionAlreadyExists, where
   * the same input on a running execution would get its idempotent success (see sfn-executions.ts).
   */
  dispatchedAt?: string;
}

/** The StartBackup task's payload: the execution input plus facts from the context object. */
export interface StartBackupEvent {
  input: BackupExecutionInput;
  executionName: string;
  executionStartTime: string;
}

/**
 * The state carried between the workflow's steps. Small JSON only: ids, times, keys.
 * Never a secret, never file content.
 */
export interface RunState {
  deviceId: string;
  deviceType: string;
  /** Short id of this run (from the execution name); part of the archive key. */
  runId: string;
  executionName: string;
  occurrence: string | null;
  /** Which run of the backup inside this execution (1 = first). Absent in states from before retries. */
  attempt?: number;
  /** When the backup was requested (ISO-8601 UTC); the archive key's time. */
  startedAt: string;
  handle: BackupHandle;
  status: 'running' | 'completed';
  poll: PollState;
  archive?: ArchivedObject;
  /**
   * Set by TransferToArchive when the transfer ran out of its invocation's time: the state
   * machine runs TransferToArchive again while `transfer.status` is 'continue'. Removed once the
   * archive is committed.
   */
  transfer?: TransferHandOver;
  cleanup?: { deviceCopyDeleted: boolean };
  prune?: PruneSummary;
}

/** What the PruneArchive step did: counts, and the object keys (not manifests) it deleted. */
export interface PruneSummary {
  policy: string;
  kept: number;
  deleted: number;
  /** Object keys of deleted backups and incomplete uploads; capped so the state stays small. */
  deletedKeys: string[];
}

export interface PollState {
  /** Polls made so far. */
  attempt: number;
  /** How long the Wait state waits before the next poll. */
  waitSeconds: number;
  /** When the device must have finished (ISO-8601 UTC). */
  deadline: string;
  detail?: string;
}

export interface ArchivedObject {
  bucket: string;
  key: string;
  manifestKey: string;
  size: number;
  sha256: string;
  versionId?: string;
}
