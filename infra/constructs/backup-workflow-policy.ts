import { ERROR_NAMES } from '../../lambdas/common/errors';

/**
 * The backup state machine's names and retry numbers, in one place: the construct builds
 * the ASL from them, the tests assert the synthesized template against them, and the local
 * runner binds its in-process handlers by these state names.
 */

/** Exact state names. The local runner binds handlers by name, so renaming one is a breaking change. */
export const BACKUP_STATES = {
  start: 'StartBackup',
  wait: 'WaitForDevice',
  poll: 'PollBackup',
  isDone: 'IsBackupDone',
  transfer: 'TransferToArchive',
  /** Loops TransferToArchive while its result says the transfer continues (a continuation in `$.transfer`). */
  isTransferDone: 'IsTransferDone',
  deleteDeviceCopy: 'DeleteDeviceCopy',
  recordCleanupFailure: 'RecordCleanupFailure',
  prune: 'PruneArchive',
  recordPruneFailure: 'RecordPruneFailure',
  decideRetry: 'DecideRetry',
  shouldRerun: 'ShouldRerun',
  waitBeforeRerun: 'WaitBeforeRerun',
  prepareRerun: 'PrepareRerun',
  succeeded: 'BackupSucceeded',
  failed: 'BackupFailed',
} as const;

export type BackupTaskState =
  | typeof BACKUP_STATES.start
  | typeof BACKUP_STATES.poll
  | typeof BACKUP_STATES.transfer
  | typeof BACKUP_STATES.deleteDeviceCopy
  | typeof BACKUP_STATES.prune
  | typeof BACKUP_STATES.decideRetry;

/** Which handler file (lambdas/handlers/<name>.ts, exporting `handler`) each Task state runs. */
export const BACKUP_TASK_HANDLERS: Readonly<Record<BackupTaskState, string>> = {
  StartBackup: 'start-backup',
  PollBackup: 'poll-backup',
  TransferToArchive: 'transfer-backup',
  DeleteDeviceCopy: 'delete-device-copy',
  PruneArchive: 'prune-archive',
  DecideRetry: 'decide-retry',
};

/** One Retry entry as the ASL spells it (the ASL field names keep tests and docs literal). */
export interface RetryRule {
  /** Error names as thrown by the handlers (the classes' `name`), matched by Step Functions. */
  readonly errors: readonly string[];
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  /** Retries after the first attempt (ASL `MaxAttempts`). */
  readonly maxAttempts: number;
}

/**
 * Retries per Task state, in evaluation order. Only busy and unreachable are ever retried:
 * authentication, TLS, integrity, protocol, rejected-request, device-failure, timeout, config
 * and secret errors would fail the same way again (and a retried login can lock an account).
 */
export const BACKUP_RETRIES: Readonly<Record<BackupTaskState, readonly RetryRule[]>> = {
  StartBackup: [
    // Another backup or restore is running on the device: give it time to finish.
    { errors: [ERROR_NAMES.busy], intervalSeconds: 60, backoffRate: 2, maxAttempts: 5 },
    { errors: [ERROR_NAMES.unreachable], intervalSeconds: 30, backoffRate: 2, maxAttempts: 4 },
  ],
  PollBackup: [
    // Covers appliance reboots and bursts of 5xx while a backup runs.
    { errors: [ERROR_NAMES.unreachable], intervalSeconds: 30, backoffRate: 2, maxAttempts: 6 },
    { errors: [ERROR_NAMES.busy], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 },
  ],
  TransferToArchive: [{ errors: [ERROR_NAMES.unreachable], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 }],
  DeleteDeviceCopy: [{ errors: [ERROR_NAMES.unreachable, ERROR_NAMES.busy], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 }],
  // None: the S3 client already retries throttling and 5xx, a failed prune never fails the
  // committed backup (RecordPruneFailure), and the next run's prune plans again from scratch.
  PruneArchive: [],
  // None: a pure decision on the config; if it fails, the run fails with its original error.
  DecideRetry: [],
};

/**
 * The states whose failure may re-run the whole backup (DecideRetry, `devices[].retry`), and the
 * errors that may: lambdas/workflow/decide-retry.ts decides; the list is repeated here for the tests.
 */
export const RERUN_FROM_STATES = ['StartBackup', 'PollBackup', 'TransferToArchive'] as const;
export { RERUNNABLE_ERRORS } from '../../lambdas/workflow/decide-retry';

/** Errors that no state retries; the tests check that none of them appears in any Retry. */
export const NEVER_RETRIED: readonly string[] = [
  ERROR_NAMES.authentication,
  ERROR_NAMES.tls,
  ERROR_NAMES.hostKey,
  ERROR_NAMES.integrity,
  ERROR_NAMES.protocol,
  ERROR_NAMES.rejected,
  ERROR_NAMES.deviceFailed,
  ERROR_NAMES.timedOut,
  ERROR_NAMES.config,
  ERROR_NAMES.secret,
];

/** Lambda function sizing per task. The transfer streams large files through memory-bounded multipart uploads. */
export const BACKUP_FUNCTION_SIZING: Readonly<Record<BackupTaskState, { readonly memoryMb: number; readonly timeoutMinutes: number }>> = {
  StartBackup: { memoryMb: 256, timeoutMinutes: 1 },
  PollBackup: { memoryMb: 256, timeoutMinutes: 1 },
  TransferToArchive: { memoryMb: 1024, timeoutMinutes: 15 },
  DeleteDeviceCopy: { memoryMb: 256, timeoutMinutes: 1 },
  // One listing plus a manifest read per backup and two deletes per pruned one.
  PruneArchive: { memoryMb: 512, timeoutMinutes: 5 },
  DecideRetry: { memoryMb: 256, timeoutMinutes: 1 },
};
