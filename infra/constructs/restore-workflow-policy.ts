import { ERROR_NAMES } from '../../lambdas/common/errors';
import { RESTORE_ERROR_NAMES } from '../../lambdas/restore/errors';
import { UPLOAD_TO_DEVICE_TIMEOUT_MINUTES } from '../../lambdas/restore/upload-time';
import type { RetryRule } from './backup-workflow-policy';

/**
 * The restore state machine's names, retries and sizing in one place: the construct builds the
 * ASL from them, the tests assert the template against them, the local runner binds its
 * in-process steps by these state names.
 */

/** Exact state names. The local runner binds handlers by name, so renaming one is a breaking change. */
export const RESTORE_STATES = {
  choose: 'ChooseBackup',
  check: 'CheckCompatibility',
  isDryRun: 'IsDryRun',
  dryRunDone: 'DryRunReported',
  isThawed: 'IsThawed',
  requestThaw: 'RequestThaw',
  waitThaw: 'WaitForThaw',
  checkThaw: 'CheckThaw',
  upload: 'UploadToDevice',
  start: 'StartRestore',
  waitRestore: 'WaitForRestore',
  poll: 'PollRestore',
  isDone: 'IsRestoreDone',
  remove: 'RemoveUploadedCopy',
  recordRemoveFailure: 'RecordRemoveFailure',
  removeAfterFailure: 'RemoveUploadedAfterFailure',
  succeeded: 'RestoreSucceeded',
  failed: 'RestoreFailed',
} as const;

export type RestoreTaskState =
  | typeof RESTORE_STATES.choose
  | typeof RESTORE_STATES.check
  | typeof RESTORE_STATES.requestThaw
  | typeof RESTORE_STATES.checkThaw
  | typeof RESTORE_STATES.upload
  | typeof RESTORE_STATES.start
  | typeof RESTORE_STATES.poll
  | typeof RESTORE_STATES.remove
  | typeof RESTORE_STATES.removeAfterFailure;

/** The Lambda functions; RemoveUploadedCopy and RemoveUploadedAfterFailure share one. */
export type RestoreFunction = Exclude<RestoreTaskState, typeof RESTORE_STATES.removeAfterFailure>;

/** Which function each Task state invokes. */
export const RESTORE_TASK_FUNCTIONS: Readonly<Record<RestoreTaskState, RestoreFunction>> = {
  ChooseBackup: 'ChooseBackup',
  CheckCompatibility: 'CheckCompatibility',
  RequestThaw: 'RequestThaw',
  CheckThaw: 'CheckThaw',
  UploadToDevice: 'UploadToDevice',
  StartRestore: 'StartRestore',
  PollRestore: 'PollRestore',
  RemoveUploadedCopy: 'RemoveUploadedCopy',
  RemoveUploadedAfterFailure: 'RemoveUploadedCopy',
};

/** Which handler file (lambdas/handlers/<name>.ts, exporting `handler`) each function runs. */
export const RESTORE_FUNCTION_HANDLERS: Readonly<Record<RestoreFunction, string>> = {
  ChooseBackup: 'restore-choose-backup',
  CheckCompatibility: 'restore-check-compatibility',
  RequestThaw: 'restore-request-thaw',
  CheckThaw: 'restore-check-thaw',
  UploadToDevice: 'restore-upload',
  StartRestore: 'restore-start',
  PollRestore: 'restore-poll',
  RemoveUploadedCopy: 'restore-remove-uploaded',
};

/**
 * Retries per Task state. PollRestore has none for the device: the reboot's refused connections,
 * 5xx and 401 are handled inside the step against restorePoll.rebootWindowMinutes (a Retry counts
 * attempts, the window is time). StartRestore retries only a busy device (the upload still being
 * processed): an unanswered restore request is never sent twice.
 */
export const RESTORE_RETRIES: Readonly<Record<RestoreTaskState, readonly RetryRule[]>> = {
  ChooseBackup: [],
  CheckCompatibility: [
    { errors: [ERROR_NAMES.unreachable], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 },
    { errors: [ERROR_NAMES.busy], intervalSeconds: 60, backoffRate: 2, maxAttempts: 3 },
  ],
  // The S3 client retries throttling and 5xx itself.
  RequestThaw: [],
  CheckThaw: [],
  UploadToDevice: [
    { errors: [ERROR_NAMES.unreachable], intervalSeconds: 30, backoffRate: 2, maxAttempts: 2 },
    { errors: [ERROR_NAMES.busy], intervalSeconds: 60, backoffRate: 2, maxAttempts: 3 },
  ],
  StartRestore: [{ errors: [ERROR_NAMES.busy], intervalSeconds: 10, backoffRate: 2, maxAttempts: 5 }],
  PollRestore: [],
  RemoveUploadedCopy: [{ errors: [ERROR_NAMES.unreachable, ERROR_NAMES.busy], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 }],
  RemoveUploadedAfterFailure: [{ errors: [ERROR_NAMES.unreachable, ERROR_NAMES.busy], intervalSeconds: 30, backoffRate: 2, maxAttempts: 3 }],
};

/** Errors no restore state retries. */
export const RESTORE_NEVER_RETRIED: readonly string[] = [
  ERROR_NAMES.authentication,
  ERROR_NAMES.tls,
  ERROR_NAMES.integrity,
  ERROR_NAMES.protocol,
  ERROR_NAMES.rejected,
  ERROR_NAMES.deviceFailed,
  ERROR_NAMES.timedOut,
  ERROR_NAMES.config,
  ERROR_NAMES.secret,
  RESTORE_ERROR_NAMES.refused,
  RESTORE_ERROR_NAMES.notFound,
];

/** Function sizing. The upload streams S3 to the device through bounded buffers. */
export const RESTORE_FUNCTION_SIZING: Readonly<Record<RestoreFunction, { readonly memoryMb: number; readonly timeoutMinutes: number }>> = {
  ChooseBackup: { memoryMb: 512, timeoutMinutes: 5 },
  CheckCompatibility: { memoryMb: 256, timeoutMinutes: 1 },
  RequestThaw: { memoryMb: 256, timeoutMinutes: 1 },
  CheckThaw: { memoryMb: 256, timeoutMinutes: 1 },
  // CheckCompatibility refuses a restore whose upload would not fit in this (lambdas/restore/upload-time.ts).
  UploadToDevice: { memoryMb: 1024, timeoutMinutes: UPLOAD_TO_DEVICE_TIMEOUT_MINUTES },
  StartRestore: { memoryMb: 256, timeoutMinutes: 2 },
  PollRestore: { memoryMb: 256, timeoutMinutes: 1 },
  RemoveUploadedCopy: { memoryMb: 256, timeoutMinutes: 1 },
};

/**
 * The execution limit: a DEEP_ARCHIVE Bulk thaw may take 48 h (the workflow waits up to twice
 * that), then the restore itself (restorePoll.timeoutMinutes). The steps' own deadlines end a
 * run sooner; this is the backstop.
 */
export const RESTORE_TIMEOUT_HOURS = 7 * 24;
