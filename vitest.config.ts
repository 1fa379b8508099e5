import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    // One line when the SSH tests are skipped for want of sshd (an error under .ci/run).
    globalSetup: ['test/support/sshd-global-setup.ts'],
    // Integration tests start real servers (simulators, s3rver, the local state machine).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    allowOnly: false,
  },
});
