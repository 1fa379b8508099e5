import type { BackupTaskState } from '../../infra/constructs/backup-workflow-policy';
import { decideRetryStep, type RetryStepResult } from '../../lambdas/workflow/decide-retry';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { deleteDeviceCopy } from '../../lambdas/workflow/delete-device-copy';
import { pollBackup } from '../../lambdas/workflow/poll-backup';
import { pruneArchive } from '../../lambdas/workflow/prune-archive';
import type { RunState } from '../../lambdas/workflow/run-state';
import { startBackup } from '../../lambdas/workflow/start-backup';
import { transferBackup } from '../../lambdas/workflow/transfer-backup';

/**
 * The step each Task state of the backup state machine runs, for local executions. The deployed
 * stack binds the same steps through lambdas/handlers/*; a new Task state adds one line here.
 */
export const BACKUP_STEPS: Readonly<Record<BackupTaskState, (event: never, deps: StepDeps) => Promise<RunState | RetryStepResult>>> = {
  StartBackup: startBackup,
  PollBackup: pollBackup,
  TransferToArchive: transferBackup,
  DeleteDeviceCopy: deleteDeviceCopy,
  PruneArchive: pruneArchive,
  DecideRetry: decideRetryStep,
};
