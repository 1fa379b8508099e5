import type { RestoreTaskState } from '../../infra/constructs/restore-workflow-policy';
import type { RestoreState } from '../../lambdas/restore/state';
import type { StepDeps } from '../../lambdas/workflow/deps';
import { checkCompatibility } from '../../lambdas/workflow/restore/check-compatibility';
import { chooseBackup } from '../../lambdas/workflow/restore/choose-backup';
import { pollRestore } from '../../lambdas/workflow/restore/poll-restore';
import { removeUploadedCopy } from '../../lambdas/workflow/restore/remove-uploaded';
import { startRestore } from '../../lambdas/workflow/restore/start-restore';
import { checkThaw, requestThaw } from '../../lambdas/workflow/restore/thaw';
import { uploadToDevice } from '../../lambdas/workflow/restore/upload-to-device';

/**
 * The step each Task state of the restore state machine runs, for local executions. The deployed
 * stack binds the same steps through lambdas/handlers/restore-*; a new Task state adds one line here.
 */
export const RESTORE_STEPS: Readonly<Record<RestoreTaskState, (event: never, deps: StepDeps) => Promise<RestoreState>>> = {
  ChooseBackup: chooseBackup,
  CheckCompatibility: checkCompatibility,
  RequestThaw: requestThaw,
  CheckThaw: checkThaw,
  UploadToDevice: uploadToDevice,
  StartRestore: startRestore,
  PollRestore: pollRestore,
  RemoveUploadedCopy: removeUploadedCopy,
  RemoveUploadedAfterFailure: removeUploadedCopy,
};
