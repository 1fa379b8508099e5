/**
 * Where local commands keep their state: the embedded S3's data (`s3/`) and the run history
 * (`history/`). `.backup-runner` in the working directory, or BACKUP_RUNNER_STATE_DIR (the test
 * suite points it at a temporary folder, so tests never write into the checkout).
 */
export function stateDirectory(): string {
  return process.env.BACKUP_RUNNER_STATE_DIR || '.backup-runner';
}
