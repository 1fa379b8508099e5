import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentationPages, fencedBlocks, readPage, repoRoot } from './markdown';

/**
 * Commands in the docs' ```sh blocks that cannot run on this machine, each with the reason. Every
 * other command in a ```sh block is run by this test and must exit 0. Synopses with optional parts
 * (`[--json]`, `(--latest | --key K)`) belong in ```text blocks, which are not run.
 */
const NOT_RUN_HERE: ReadonlyArray<{ command: RegExp; reason: string }> = [
  { command: /^npm ci$/, reason: 'installs the project: done before the tests run' },
  { command: /^npm test$|^npx vitest run /, reason: 'the test suite itself' },
  { command: /^npm run demo$/, reason: 'test/integration/demo.integ.spec.ts runs the demo' },
  { command: /^npm run typecheck$/, reason: 'CI and every landing run it; a full tsc pass takes minutes on a shared machine' },
  { command: /^npm run lint$/, reason: '`npm test` runs ESLint before the tests' },
  { command: /^npm run bench$/, reason: 'benchmarks run on demand, never as tests' },
  { command: /^npm link$/, reason: 'changes the machine-wide npm prefix; test/docs/install.spec.ts installs the checkout into a temporary prefix instead' },
  { command: /^git clone /, reason: 'needs the repository URL and network' },
  { command: /^npx cdk (bootstrap|deploy)\b/, reason: 'needs an AWS account' },
  { command: /^npx cdk synth -c config=my-devices\.yaml/, reason: 'test/deploy/cdk-synth.deploy.spec.ts runs this very command (real bundling, cdk-nag) on examples/backup-runner.yaml and examples/everything.yaml' },
  { command: /^(export AWS_|aws |printf .* > \/tmp\/s\.json|rm \/tmp\/s\.json)/, reason: 'AWS CLI steps (and the secret files they read) need an AWS account' },
  { command: /^npx backup-runner (backup-now|status|stack)\b/, reason: 'talks to a deployed stack in AWS (test/unit/cli/deployed.spec.ts covers them with mocked AWS clients)' },
  { command: /^npx backup-runner (run|restore|drill|audit)\b/, reason: 'contacts devices (test/integration/*.integ.spec.ts run them against simulators)' },
  { command: /^npx tsx simulators\//, reason: 'a simulator serves until Ctrl-C (test/unit/simulators/ start them)' },
];

interface DocCommand {
  page: string;
  line: number;
  command: string;
}

/** Drops a trailing `# comment` that is outside quotes. */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

export function shellCommands(page: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  for (const block of fencedBlocks(markdown).filter((b) => b.language === 'sh')) {
    const lines = block.body.split('\n');
    for (let i = 0; i < lines.length; i += 1) {
      const start = i;
      let text = withoutComment(lines[i] ?? '');
      while (text.endsWith('\\') && i + 1 < lines.length) {
        i += 1;
        text = `${text.slice(0, -1).trimEnd()} ${withoutComment(lines[i] ?? '').trim()}`;
      }
      if (text.trim() !== '') commands.push({ page, line: block.line + 1 + start, command: text.trim() });
    }
  }
  return commands;
}

const allCommands = documentationPages().flatMap((page) => shellCommands(page, readPage(page)));
/** A command joined with `&&` is not run when any of its parts cannot be. */
const partsOf = (command: string): string[] => command.split(/\s*&&\s*/);
const skipOf = (command: string) => NOT_RUN_HERE.find((skip) => partsOf(command).some((part) => skip.command.test(part)));
const runnable = allCommands.filter((c) => !skipOf(c.command));

const BIN = `node ${join(repoRoot, 'bin', 'backup-runner.mjs')}`;
/** `npx backup-runner` and the linked `backup-runner` both mean this checkout's entry point. */
const asRunHere = (command: string): string => command.replace(/(^|&&\s*)(npx\s+)?backup-runner\b/g, `$1${BIN}`);

const workDirs: string[] = [];
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory per page, as a reader has: the examples at hand and their config copied as my-devices.yaml. */
function readerDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'docs-commands-'));
  workDirs.push(dir);
  symlinkSync(join(repoRoot, 'examples'), join(dir, 'examples'));
  copyFileSync(join(repoRoot, 'examples', 'backup-runner.yaml'), join(dir, 'my-devices.yaml'));
  return dir;
}

describe('commands in the docs', () => {
  it('finds the commands, and runs some of them (a check of nothing would pass)', () => {
    expect(allCommands.length).toBeGreaterThan(20);
    expect(runnable.map((c) => c.command)).toContainEqual(expect.stringMatching(/^npx backup-runner schedule preview /));
    expect(shellCommands('x.md', '```sh\nnpx a --b "c # d"   # comment\naws x \\\n  --y z\n```\n```text\nnot run\n```\n').map((c) => c.command)).toEqual([
      'npx a --b "c # d"',
      'aws x --y z',
    ]);
  });

  it('every ```sh line is a command, not a synopsis with optional parts (those go in ```text blocks)', () => {
    const synopses = allCommands.filter((c) => /\[--|\(--|<[a-z][^>]*>/i.test(c.command) && !skipOf(c.command));
    expect(synopses.map((c) => `${c.page}:${c.line} ${c.command}`)).toEqual([]);
  });

  it('every entry of the not-run list still matches a command in the docs', () => {
    const unused = NOT_RUN_HERE.filter((skip) => !allCommands.some((c) => partsOf(c.command).some((part) => skip.command.test(part))));
    expect(unused.map((skip) => String(skip.command))).toEqual([]);
  });

  const byPage = new Map<string, DocCommand[]>();
  for (const c of runnable) byPage.set(c.page, [...(byPage.get(c.page) ?? []), c]);
  it.each([...byPage.keys()])('%s: every command that can run here exits 0', (page) => {
    const reader = readerDirectory();
    for (const { line, command } of byPage.get(page)!) {
      // The CLI's commands run where a reader keeps a config; the project's own (npm run, npx tsx) in the checkout.
      const cwd = /backup-runner|^cp /.test(command) ? reader : repoRoot;
      const result = spawnSync('bash', ['-c', asRunHere(command)], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
      expect({ at: `${page}:${line}`, command, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ at: `${page}:${line}`, command, status: 0, stderr: '' });
    }
  }, 300_000);
});
