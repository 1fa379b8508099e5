import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateMachineDefinitionOf, type CfnTemplate } from '../../infra/local-definition';

/**
 * What `cdk deploy` ships, tested as it is shipped (issue 14): the README's `npx cdk synth`, with
 * real esbuild bundling and cdk-nag, for the example config and for one with every feature; then
 * each Lambda asset alone, in a folder with no node_modules above it, imported by Node 24 (the
 * Lambda runtime), and the state machine definitions against the ASL schema. Every other infra
 * test skips bundling; this one never does: a skipped bundling once hid a synth that failed on
 * every fresh clone (ssh2's unbuilt cpu-features add-on).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIGS = ['examples/backup-runner.yaml', 'examples/everything.yaml'];

interface Synthesized {
  readonly outdir: string;
  readonly template: CfnTemplate & { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };
}

/** `npx cdk synth --quiet -c config=FILE`, as the README's deploy guide runs it, into its own folder. */
function cdkSynth(config: string): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'backup-runner-synth-'));
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--no-notices', '-c', `config=${config}`, '--output', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      // cdk.json's `tsx infra/app.ts` and the esbuild it bundles with come from the project, on its Node.
      PATH: [join(ROOT, 'node_modules/.bin'), dirname(process.execPath), process.env.PATH ?? ''].join(':'),
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) throw new Error(`cdk synth -c config=${config} failed (exit ${result.status}):\n${result.stderr.slice(-6000)}`);
  const template = JSON.parse(readFileSync(join(outdir, 'BackupRunner.template.json'), 'utf8')) as Synthesized['template'];
  return { outdir, template };
}

/** A folder under the system temp dir with no node_modules in it or above it: a bundle there has only itself. */
function isolatedFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backup-runner-asset-'));
  for (let at = dir; at !== parse(at).root; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) throw new Error(`${at} has a node_modules folder; the asset would not load alone there`);
  }
  return dir;
}

/** Environment variables as Lambda would set them; tokens (Refs to the bucket, the state machines) become placeholders. */
function lambdaEnvironment(fn: { Properties?: Record<string, unknown> }): Record<string, string> {
  const variables = ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `placeholder-${name.toLowerCase()}`]));
}

/** Imports the handler module under this Node (24) in `dir`, as the Lambda runtime does, and reports what it exports. */
function loadAlone(dir: string, handler: string, environment: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const [file, exported] = handler.split('.') as [string, string];
  const script = `const m = await import(${JSON.stringify(`./${file}.mjs`)}); console.log(JSON.stringify({ node: process.version, handler: typeof m[${JSON.stringify(exported)}] }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '--enable-source-maps', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
    // Only what Lambda gives a function: its own variables and the region, no PATH to the project.
    env: { ...environment, NODE_OPTIONS: '', AWS_REGION: 'eu-central-1', AWS_LAMBDA_FUNCTION_NAME: 'asset-check', LAMBDA_TASK_ROOT: dir },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(CONFIGS)('cdk synth -c config=%s, bundled for real', (config) => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = cdkSynth(config);
  }, 15 * 60_000);
  afterAll(() => {
    if (synthesized) rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  it('writes a bundle for every function, and each loads alone under Node 24 and exports its handler', () => {
    const functions = Object.entries(synthesized.template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const [logicalId, fn] of functions) {
      const asset = fn.Metadata?.['aws:asset:path'];
      const handler = fn.Properties?.Handler;
      if (typeof asset !== 'string' || typeof handler !== 'string') {
        failures.push(`${logicalId}: no bundled asset (aws:asset:path ${String(asset)}, Handler ${String(handler)})`);
        continue;
      }
      const dir = isolatedFolder();
      try {
        cpSync(join(synthesized.outdir, asset), dir, { recursive: true });
        const environment = lambdaEnvironment(fn);
        const wrapper = environment.AWS_LAMBDA_EXEC_WRAPPER;
        // The wrapper Lambda runs before the runtime must be in the asset, executable.
        if (wrapper && !(statSync(join(dir, wrapper.replace(/^\/var\/task\//, ''))).mode & 0o111)) failures.push(`${logicalId}: ${wrapper} is not executable in the asset`);
        const loaded = loadAlone(dir, handler, environment);
        if (loaded.status !== 0) {
          failures.push(`${logicalId} (${asset}): import failed (exit ${loaded.status}):\n${loaded.stderr.slice(-2000)}`);
          continue;
        }
        const report = JSON.parse(loaded.stdout.trim().split('\n').at(-1) ?? '{}') as { node?: string; handler?: string };
        if (!report.node?.startsWith('v24.')) failures.push(`${logicalId}: loaded under Node ${report.node}, not 24 (the Lambda runtime)`);
        if (report.handler !== 'function') failures.push(`${logicalId}: exports ${handler.split('.')[1]} as ${report.handler}, not a function`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(failures).toEqual([]);
    // One Node start per bundle, one after another: seconds each when idle, far more on a loaded machine.
  }, 10 * 60_000);

  it('deploys Node 24 functions only', () => {
    const runtimes = new Set(
      Object.values(synthesized.template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Properties?.Runtime),
    );
    expect([...runtimes]).toEqual(['nodejs24.x']);
  });

  it('has state machine definitions that validate against the ASL schema', () => {
    const machines = Object.entries(synthesized.template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.map(([id]) => id.replace(/StateMachine.*$/, '')).sort()).toEqual(['BackupWorkflow', 'RestoreWorkflow']);
    for (const [id] of machines) {
      const definition = stateMachineDefinitionOf(synthesized.template, id.replace(/StateMachine.*$/, ''));
      const { isValid, errorsText } = aslValidator(definition);
      expect(isValid, `${id}: ${errorsText('\n')}`).toBe(true);
    }
  });
});

describe('the ASL check', () => {
  it('can fail: a definition whose Next names no state is refused', () => {
    const broken = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } };
    expect(aslValidator(broken).isValid).toBe(false);
  });
});
