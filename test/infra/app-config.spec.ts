import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'backup-runner-app-'));

const GOOD = join(dir, 'good.yaml');
writeFileSync(GOOD, `archive: { prefix: backups/ }
devices:
  - { id: ar11-lab, type: riverbed-npm-v1, url: https://ar11.example.net, secret: backup-runner/ar11-lab }
`);
const BAD = join(dir, 'bad.yaml');
writeFileSync(BAD, `archive: { prefix: backups }
devices:
  - { id: AR11 Lab, type: riverbed-npm-v1, secret: backup-runner/ar11-lab }
`);

/** Runs infra/app.ts the way the CDK CLI does (context in CDK_CONTEXT_JSON), with bundling skipped. */
function runApp(env: Record<string, string>, context: Record<string, unknown> = {}, entry = 'infra/app.ts') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      ...env,
    },
  });
  return { status: result.status, stderr: result.stderr };
}

describe('infra/app.ts', () => {
  it('prints every bad field of the config plainly and exits 1', () => {
    const { status, stderr } = runApp({ BACKUP_RUNNER_CONFIG: BAD });
    expect(status).toBe(1);
    expect(stderr).toContain(`${BAD} is invalid:`);
    expect(stderr).toMatch(/archive\.prefix: must be empty or end with "\/"/);
    expect(stderr).toMatch(/devices\[0\]\.id: must be 1-40 characters/);
    expect(stderr).toMatch(/devices\[0\]\.url: /);
    // No stack trace: the message is for the person who wrote the config.
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('prefers -c config=PATH over $BACKUP_RUNNER_CONFIG', () => {
    const { status, stderr } = runApp({ BACKUP_RUNNER_CONFIG: GOOD }, { config: BAD });
    expect(status).toBe(1);
    expect(stderr).toContain(`${BAD} is invalid:`);
  });

  it('says which file it cannot read', () => {
    const missing = join(dir, 'missing.yaml');
    const { status, stderr } = runApp({ BACKUP_RUNNER_CONFIG: missing });
    expect(status).toBe(1);
    expect(stderr).toContain(`cannot read config file ${missing}`);
  });

  it('synthesizes stack BackupRunner for a good config, in the CDK_DEFAULT environment', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'backup-runner-out-'));
    const { status, stderr } = runApp(
      { CDK_OUTDIR: outdir, CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-central-1' },
      { config: GOOD },
    );
    expect(stderr).not.toMatch(/error/i);
    expect(status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    expect(manifest.artifacts.BackupRunner).toMatchObject({
      type: 'aws:cloudformation:stack',
      environment: 'aws://111122223333/eu-central-1',
    });
  });

  it('fails the synth on an unacknowledged cdk-nag finding, naming the rule and the resource', () => {
    // The entry of infra/app.ts, plus an unencrypted queue: cdk-nag runs at every synth, not only in a test.
    const outdir = mkdtempSync(join(tmpdir(), 'backup-runner-out-'));
    const { status, stderr } = runApp({ CDK_OUTDIR: outdir }, { config: GOOD }, 'test/infra/careless-app.ts');
    expect(status).toBe(1);
    expect(stderr).toMatch(/AwsSolutions-SQS4/);
    expect(stderr).toContain('BackupRunner/CarelessQueue/Resource');
    expect(stderr).toContain('cdk synth refused by cdk-nag');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a secret ARN of another account or region than the stack it deploys', () => {
    const foreign = join(dir, 'foreign-secret.yaml');
    writeFileSync(
      foreign,
      `archive: {}
devices:
  - { id: ar11-lab, type: riverbed-npm-v1, url: https://ar11.example.net, secret: "arn:aws:secretsmanager:us-west-2:444455556666:secret:backup-runner/ar11-AbCdEf" }
`,
    );
    const { status, stderr } = runApp({ CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-central-1' }, { config: foreign });
    expect(status).toBe(1);
    expect(stderr).toMatch(/devices\[0\]\.secret: the secret is in region us-west-2, the stack in eu-central-1/);
    expect(stderr).toMatch(/devices\[0\]\.secret: the secret belongs to account 444455556666, the stack to 111122223333/);
  });
});
