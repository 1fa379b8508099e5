import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    // One line when the SSH or browser tests are skipped for want of sshd or Chromium (an error under .ci/run).
    globalSetup: ['test/support/sshd-global-setup.ts', 'test/support/chromium-global-setup.ts', 'test/support/state-dir-global-setup.ts'],
    // Integration tests start real servers (simulators, s3rver, the local state machine).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    allowOnly: false,
    // Local commands keep their state (embedded S3, run history) here instead of ./.backup-runner.
    env: { BACKUP_RUNNER_STATE_DIR: join(tmpdir(), `backup-runner-test-state-${process.pid}`) },
  },
});
