import { describe, it } from 'vitest';
import { sshdAvailable } from '../../simulators/common/sshd';

/**
 * Tests that need a real OpenSSH sshd (simulators/common/sshd.ts). Where it is not installed they
 * are skipped, and test/support/sshd-global-setup.ts says so in one line naming the package; where
 * BACKUP_RUNNER_REQUIRE_SSHD=1 (.ci/run) that setup fails the run instead, so CI never skips them.
 */
export const SSHD_AVAILABLE = sshdAvailable();
export const describeWithSshd = describe.skipIf(!SSHD_AVAILABLE);
export const itWithSshd = it.skipIf(!SSHD_AVAILABLE);
