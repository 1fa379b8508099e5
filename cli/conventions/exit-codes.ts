/**
 * The CLI's exit codes, as restic and the AWS CLI use them: a cron wrapper can tell a mistake in
 * the command line or config (2) from a backup that failed (1).
 */
export const EXIT = {
  ok: 0,
  /** A run failed, a check found a problem. */
  failed: 1,
  /** Bad arguments, config, secrets or stack: nothing was started. */
  usage: 2,
  /** A restore was planned but not confirmed: nothing changed. */
  notConfirmed: 3,
} as const;
