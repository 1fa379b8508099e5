import { SSHD_MISSING, sshdAvailable } from '../../simulators/common/sshd';

/** Vitest global setup: one line for the whole run when the SSH tests are skipped; an error where they are required. */
export default function checkSshd(): void {
  if (sshdAvailable()) return;
  if (process.env.BACKUP_RUNNER_REQUIRE_SSHD === '1') {
    throw new Error(`the SSH tests cannot run: ${SSHD_MISSING}. BACKUP_RUNNER_REQUIRE_SSHD=1 (set by .ci/run) makes skipping them an error.`);
  }
  process.stderr.write(`SSH tests skipped: ${SSHD_MISSING} to run them.\n`);
}
