import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretError } from '../../lambdas/common/errors';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { locateConfig, locateSecrets } from '../../cli/conventions/locate';
import { colourOn, paintStatus, shortSha256 } from '../../cli/conventions/output';
import { checkSecretsUpFront, cliSecretSource } from '../../cli/local/secrets';
import { buildProgram, main, runnerVersion } from '../../cli/main';
import { formatTable } from '../../cli/output/table';
import { capturedIo } from './support/cli-io';
import { useEmbeddedS3 } from './support/file-fixture';

/** The CLI conventions of issue 17 (docs/cli.md), through main() as a user meets them. */

const s3 = useEmbeddedS3('cli-conventions-');
let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-conventions-'));
  config = join(dir, 'devices.yaml');
  await writeFile(
    config,
    `archive: { bucket: conventions, s3: { endpoint: "${s3.endpoint}" } }\ndevices:\n  - { id: ar11-lab, type: riverbed-npm-v1, url: "https://127.0.0.1:9", secret: backup-runner/ar11 }\n`,
  );
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: Record<string, string> = {}, cwd = dir) {
  const streams = capturedIo(cwd, env);
  const code = await main(argv, streams.io);
  return { code, out: streams.out(), err: streams.err() };
}

function allCommands(command: Command, prefix = ''): string[] {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => {
      const name = `${prefix}${c.name()}`;
      return [name, ...allCommands(c, `${name} `)];
    });
}

describe('exit codes, --version, --help', () => {
  it('--version prints the package version and exits 0', async () => {
    const result = await cli(['--version']);
    expect(result).toMatchObject({ code: 0, out: `${runnerVersion()}\n` });
    expect(runnerVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('usage errors exit 2: unknown option, unknown command, missing required option, no command, a bad value', async () => {
    expect((await cli(['list', '--bogus'])).code).toBe(2);
    expect((await cli(['lsit'])).code).toBe(2);
    expect((await cli(['restore', '--config', config])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['schedule', 'preview', '--rrule', 'FREQ=DAILY', '--count', 'many'])).code).toBe(2);
  });

  it.each(allCommands(buildProgram(() => undefined)))('`%s --help` exits 0 and ends with an example of itself', async (name) => {
    const result = await cli([...name.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`Examples?:\\n  \\$ backup-runner ${name}\\b`));
  });

  it('every command that takes --config also takes --json, --quiet and --no-color', () => {
    const program = buildProgram(() => undefined);
    const leaves = (c: Command): Command[] => (c.commands.length ? c.commands.flatMap(leaves) : [c]);
    for (const command of leaves(program).filter((c) => c.name() !== 'help')) {
      const flags = command.options.map((o) => o.long);
      expect(flags, command.name()).toEqual(expect.arrayContaining(['--json', '--quiet', '--no-color']));
    }
  });
});

describe('where config and secrets come from', () => {
  const where = (env: Record<string, string>, cwd = '/nowhere') => ({ env, cwd });
  it('--config, else BACKUP_RUNNER_CONFIG, else ./backup-runner.yaml', () => {
    expect(locateConfig('a.yaml', where({ BACKUP_RUNNER_CONFIG: 'b.yaml' }), () => true)).toBe('a.yaml');
    expect(locateConfig(undefined, where({ BACKUP_RUNNER_CONFIG: 'b.yaml' }), () => true)).toBe('b.yaml');
    expect(locateConfig(undefined, where({}, '/work'), (p) => p === '/work/backup-runner.yaml')).toBe('/work/backup-runner.yaml');
    expect(() => locateConfig(undefined, where({}), () => false)).toThrow(/give --config FILE, set BACKUP_RUNNER_CONFIG=FILE, or put backup-runner\.yaml in this directory/);
  });

  it('--secrets, else BACKUP_RUNNER_SECRETS, else Secrets Manager', () => {
    expect(locateSecrets('s.json', where({ BACKUP_RUNNER_SECRETS: 't.json' }))).toBe('s.json');
    expect(locateSecrets(undefined, where({ BACKUP_RUNNER_SECRETS: 't.json' }))).toBe('t.json');
    expect(locateSecrets(undefined, where({}))).toBeUndefined();
  });

  it('through the CLI: the environment variable and ./backup-runner.yaml are found; none is a usage error', async () => {
    expect((await cli(['list', '--json'], { BACKUP_RUNNER_CONFIG: config })).code).toBe(0);
    const local = await mkdtemp(join(dir, 'cwd-'));
    await writeFile(join(local, 'backup-runner.yaml'), `archive: { bucket: conventions, s3: { endpoint: "${s3.endpoint}" } }\ndevices:\n  - { id: fw1, type: riverbed-npm-v1, url: "https://127.0.0.1:9", secret: backup-runner/s }\n`);
    expect((await cli(['list', '--json'], {}, local)).code).toBe(0);
    const none = await cli(['list'], {}, await mkdtemp(join(dir, 'empty-')));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no config file: give --config FILE, set BACKUP_RUNNER_CONFIG=FILE, or put backup-runner\.yaml/);
  });

  it('without a secrets file or AWS credentials, the error names both ways to give them, once', async () => {
    const noCredentials = cliSecretSource(undefined, () => ({ send: async () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })) }) as never);
    await expect(noCredentials.get('backup-runner/ar11')).rejects.toThrow(/no AWS credentials to read secret "backup-runner\/ar11".*--secrets FILE, or BACKUP_RUNNER_SECRETS=FILE.*AWS_PROFILE/);
    const devices = parseConfig({
      archive: {},
      devices: ['a', 'b', 'c'].map((id) => ({ id, type: 'riverbed-npm-v1', url: `https://${id}.example.net`, secret: `backup-runner/${id}` })),
    }).devices;
    const error = await checkSecretsUpFront(devices, noCredentials).catch((e: unknown) => e);
    expect(String(error)).toMatch(/no AWS credentials/);
    expect(String(error).match(/no AWS credentials/g)).toHaveLength(1);
  });
});

describe('secrets are checked up front, each problem once', () => {
  const devices = () =>
    parseConfig({
      archive: {},
      // Short secret names: a tag-only secrets scope takes any name.
      secrets: { tag: { key: 'backup-runner', value: 'yes' } },
      devices: [
        { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'shared' },
        { id: 'ar12', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 'shared' },
        { id: 'sw1', type: 'storware', url: 'https://s.example.net:8181', secret: 'sw', protectedEntities: ['e1'] },
        { id: 'fg1', type: 'riverbed-flow-gateway', url: 'https://f.example.net', secret: 'fg', landing: { host: '10.0.0.5', path: '/srv/l', hostKey: `SHA256:${'A'.repeat(43)}`, secret: 'landing' } },
      ],
    }).devices;

  it('names each bad secret once with every device that needs it; a good set passes', async () => {
    const bad = staticSecretSource({ shared: { username: 'u' }, sw: { username: 'u', password: 'p' }, fg: { username: 'u', password: 'p', securityPassword: 's' } });
    const error = (await checkSecretsUpFront(devices(), bad).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ConfigError');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('the device secrets are not usable; nothing was started:');
    expect(lines.slice(1)).toEqual([
      '  - secret "shared" lacks field "password" (expected {"username","password"}) (the device account); needed by ar11, ar12',
      expect.stringMatching(/^ {2}- secret "sw" lacks field "login" .*; needed by sw1$/),
      expect.stringMatching(/^ {2}- secret "landing" is not among the configured secrets.*; needed by fg1$/),
    ]);
    const good = staticSecretSource({
      shared: { username: 'u', password: 'p' },
      sw: { login: 'u', password: 'p' },
      fg: { username: 'u', password: 'p', securityPassword: 's' },
      landing: { username: 'u', password: 'p' },
    });
    await expect(checkSecretsUpFront(devices(), good)).resolves.toBeUndefined();
  });

  it('a run with a bad secrets file stops before contacting anything, exit 2, the message once', async () => {
    const secrets = join(dir, 'bad-secrets.json');
    await writeFile(secrets, JSON.stringify({ 'backup-runner/ar11': { username: 'admin' } }));
    const result = await cli(['run', '--config', config, '--secrets', secrets]);
    expect(result.code).toBe(2);
    expect(result.err.match(/lacks field "password"/g)).toHaveLength(1);
    expect(result.out).toBe('');
  });

  it('SecretError stays the typed error drivers throw', () => {
    expect(new SecretError('x').name).toBe('SecretError');
  });
});

describe('output for people', () => {
  it('colour only on a terminal, never with NO_COLOR or --no-color, never in JSON', () => {
    expect(colourOn({ isTTY: true }, {}, {})).toBe(true);
    expect(colourOn({ isTTY: false }, {}, {})).toBe(false);
    expect(colourOn({}, {}, {})).toBe(false);
    expect(colourOn({ isTTY: true }, { NO_COLOR: '1' }, {})).toBe(false);
    expect(colourOn({ isTTY: true }, {}, { color: false })).toBe(false);
    expect(colourOn({ isTTY: true }, {}, { json: true })).toBe(false);
    expect(paintStatus('FAILED', 'FAILED', true)).not.toBe('FAILED');
    expect(paintStatus('FAILED', 'FAILED', false)).toBe('FAILED');
  });

  it('tables line up with coloured cells, and show a short SHA-256', () => {
    const table = formatTable(['A', 'B'], [[paintStatus('FAILED', 'FAILED', true), 'x'], ['OK', 'y']]);
    const [, , first, second] = table.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(first!.indexOf('x')).toBe(second!.indexOf('y'));
    expect(shortSha256('a'.repeat(64))).toBe('a'.repeat(12));
  });

  it('`list --device` with an id in neither the config nor the archive is an error with a suggestion', async () => {
    const typo = await cli(['list', '--config', config, '--device', 'ar11-lba']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('no device "ar11-lba" in the config or the archive (did you mean "ar11-lab"?)');
    expect((await cli(['list', '--config', config, '--device', 'ar11-lab'])).code).toBe(0);
  });

  it('--quiet leaves stderr empty when all is well', async () => {
    const result = await cli(['verify', '--config', config, '--quiet']);
    expect(result).toMatchObject({ code: 0, err: '' });
  });
});
