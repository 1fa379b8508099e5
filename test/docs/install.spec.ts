import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './markdown';

const prefix = mkdtempSync(join(tmpdir(), 'global-prefix-'));
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

describe('the backup-runner command outside the checkout (README "Install")', () => {
  it('`npm install -g <checkout>` (what `npm link` does, into a temporary prefix) gives a working command anywhere', () => {
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', repoRoot], { encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const help = spawnSync(join(prefix, 'bin', 'backup-runner'), ['--help'], { cwd: tmpdir(), encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: backup-runner');
  }, 120_000);

  it('the package can never be published under a name someone could mistake for it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; private?: boolean; bin: Record<string, string> };
    expect(pkg.private).toBe(true);
    expect(pkg.name).toBe('appliance-backup-runner');
    expect(Object.keys(pkg.bin)).toEqual(['backup-runner']);
  });
});
