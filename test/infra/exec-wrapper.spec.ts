import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BACKUP_FUNCTION_SIZING } from '../../infra/constructs/backup-workflow-policy';
import { PROJECT_ROOT, RunnerFunction } from '../../infra/constructs/runner-function';
import { EXEC_WRAPPER_FILE, EXEC_WRAPPER_PATH, EXEC_WRAPPER_SOURCE, lambdaBootstrapNodeArgs } from '../../infra/lambda-runtime/exec-wrapper';
import { fleetConfig } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'backup-runner-wrapper-'));

/**
 * Churns the young generation as a long transfer does (short-lived objects, some surviving a
 * scavenge or two), then prints its flags and how large V8 let the new space grow.
 */
const churn = join(dir, 'churn.cjs');
writeFileSync(
  churn,
  `const v8 = require('node:v8');
let keep = [];
for (let i = 0; i < 3e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 2e5) keep = []; }
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
console.log(JSON.stringify({ execArgv: process.execArgv, newSpaceBytes: space.space_size }));
`,
);

/**
 * The most new space V8 may report under --max-semi-space-size=`semiSpaceMb`: two semi-spaces,
 * plus half again for V8's page granularity and bookkeeping, which it counts in `space_size` and
 * which varies between runs and versions. Still far below what a flag that did not take effect
 * gives (the bootstrap's 51 MB semi-spaces, ~100 MiB), so the check keeps its point.
 */
function newSpaceBound(semiSpaceMb: number): number {
  return 2 * semiSpaceMb * 1024 * 1024 * 1.5;
}

/** The command line Lambda's Node.js bootstrap builds for TransferToArchive (1024 MB). */
const BOOTSTRAP_ARGS = lambdaBootstrapNodeArgs(BACKUP_FUNCTION_SIZING.TransferToArchive.memoryMb);

function run(command: string, args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; result?: { execArgv: string[]; newSpaceBytes: number } } {
  const out = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  const last = out.stdout.trim().split('\n').pop();
  return { status: out.status, stderr: out.stderr, ...(out.status === 0 && last ? { result: JSON.parse(last) as { execArgv: string[]; newSpaceBytes: number } } : {}) };
}

describe('Lambda exec wrapper (infra/lambda-runtime/exec-wrapper.sh)', () => {
  it("knows the bootstrap's flags for a function's memory (/var/runtime/bootstrap: memory/10 young, the rest old)", () => {
    expect(lambdaBootstrapNodeArgs(1024)).toEqual(['--expose-gc', '--max-semi-space-size=51', '--max-old-space-size=922']);
    expect(lambdaBootstrapNodeArgs(256)).toEqual(['--expose-gc', '--max-semi-space-size=12', '--max-old-space-size=231']);
  });

  it("replaces the bootstrap's young-generation size with 8 MB and keeps every other argument", () => {
    const wrapped = run('bash', [EXEC_WRAPPER_SOURCE, process.execPath, ...BOOTSTRAP_ARGS, churn]);
    expect(wrapped.stderr).toBe('');
    expect(wrapped.result?.execArgv).toEqual(['--max-semi-space-size=8', '--expose-gc', '--max-old-space-size=922']);
    // Two semi-spaces of 8 MB. The bound is V8's own figure, which is not exactly 2 x 8 MiB: it
    // counts its pages and their bookkeeping (17.5 MiB was measured, and failed a 17 MiB bound one
    // run in three), so it keeps half again as margin. The bootstrap's 51 MB would reach ~100 MiB.
    expect(wrapped.result!.newSpaceBytes).toBeLessThanOrEqual(newSpaceBound(8));

    // The same churn under the bootstrap's own flags grows the new space far beyond that.
    const bare = run(process.execPath, [...BOOTSTRAP_ARGS, churn]);
    expect(bare.result!.newSpaceBytes).toBeGreaterThan(3 * wrapped.result!.newSpaceBytes);
  });

  it('takes the size from BACKUP_RUNNER_MAX_SEMI_SPACE_MB, and the flag in its two-argument form', () => {
    const wrapped = run('bash', [EXEC_WRAPPER_SOURCE, process.execPath, '--max-semi-space-size', '51', churn], { BACKUP_RUNNER_MAX_SEMI_SPACE_MB: '4' });
    expect(wrapped.result?.execArgv).toEqual(['--max-semi-space-size=4']);
    expect(wrapped.result!.newSpaceBytes).toBeLessThanOrEqual(newSpaceBound(4));
  });

  it('refuses to run without a command line', () => {
    const bare = run('bash', [EXEC_WRAPPER_SOURCE]);
    expect(bare.status).toBe(64);
    expect(bare.stderr).toContain("expected the runtime's command line");
  });

  it('is bundled beside every function, executable, and named in AWS_LAMBDA_EXEC_WRAPPER', () => {
    const outdir = join(dir, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'WrapperTest');
    new RunnerFunction(stack, 'Decide', {
      config: fleetConfig(),
      entry: join(PROJECT_ROOT, 'lambdas', 'handlers', 'decide-retry.ts'),
      memoryMb: 256,
      timeout: Duration.minutes(1),
    });
    app.synth();

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: EXEC_WRAPPER_PATH } },
    });
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.') && statSync(join(outdir, name)).isDirectory());
    expect(assets).toHaveLength(1);
    const files = readdirSync(join(outdir, assets[0]!));
    expect(files).toEqual(expect.arrayContaining(['index.mjs', EXEC_WRAPPER_FILE]));
    expect(statSync(join(outdir, assets[0]!, EXEC_WRAPPER_FILE)).mode & 0o777).toBe(0o755);
    expect(EXEC_WRAPPER_PATH).toBe(`/var/task/${EXEC_WRAPPER_FILE}`);
  }, 120_000);
});
