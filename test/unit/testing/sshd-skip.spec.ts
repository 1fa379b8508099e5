import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const vitest = join(root, 'node_modules', '.bin', 'vitest');

/** Runs one SSH test file in a child vitest as a machine without sshd sees it (BACKUP_RUNNER_SSHD names a missing file). */
function runWithoutSshd(extraEnv: Record<string, string>) {
  const result = spawnSync(vitest, ['run', 'test/integration/sftp-source.integ.spec.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BACKUP_RUNNER_SSHD: '/nonexistent/sshd', NO_COLOR: '1', CI: '', BACKUP_RUNNER_REQUIRE_SSHD: '', ...extraEnv },
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('npm test on a machine without sshd', () => {
  it('skips the SSH tests with one line naming openssh-server, and passes', () => {
    const { status, output } = runWithoutSshd({});
    expect(status, output).toBe(0);
    expect(output.match(/SSH tests skipped: \/nonexistent\/sshd is missing: install Debian's openssh-server \(apt-get install -y openssh-server\)/g)).toHaveLength(1);
    expect(output).toMatch(/Tests\s+\d+ skipped/);
  }, 120_000);

  it('fails instead under BACKUP_RUNNER_REQUIRE_SSHD=1, as .ci/run sets it', () => {
    const { status, output } = runWithoutSshd({ BACKUP_RUNNER_REQUIRE_SSHD: '1' });
    expect(status).not.toBe(0);
    expect(output).toContain('the SSH tests cannot run: /nonexistent/sshd is missing');
  }, 120_000);
});
