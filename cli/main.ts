import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { BackupRunnerError } from '../lambdas/common/errors';
import { auditCommand } from './commands/audit';
import { demoCommand } from './commands/demo';
import { drillCommand } from './commands/drill';
import { listCommand } from './commands/list';
import { pruneCommand } from './commands/prune';
import { reportCommand } from './commands/report';
import { restoreCommand } from './commands/restore';
import { runCommand } from './commands/run';
import { addScheduleCommands } from './commands/schedule-preview';
import { addStackCommands } from './commands/stack';
import { verifyCommand } from './commands/verify';
import { EXIT } from './conventions/exit-codes';
import { plainAction, resolvedAction, withConfig, withExamples, withOutput, withSecrets, type ActionContext } from './conventions/command-options';
import { processIo, type CliIo } from './conventions/output';

/** The package's version, for `--version`. */
export function runnerVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Builds the `backup-runner` command line. Each action resolves to the process exit code.
 * Conventions (docs/cli.md): usage errors exit 2, failures 1; every command has --json (only JSON
 * on stdout), --quiet, --no-color and an example in its --help; config and secrets come from
 * --config/--secrets, else BACKUP_RUNNER_CONFIG/BACKUP_RUNNER_SECRETS, else ./backup-runner.yaml.
 */
export function buildProgram(setExitCode: (code: number) => void, io: CliIo = processIo()): Command {
  const context: ActionContext = { io, setExitCode };
  const program = new Command('backup-runner')
    .description("Back up network and security appliances through their vendors' REST APIs into S3.")
    .version(runnerVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(add --help for usage and an example)')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .exitOverride();
  withExamples(program, ['backup-runner demo', 'backup-runner run --config my-devices.yaml --secrets my-secrets.json', 'backup-runner list --device ar11-lab --json']);

  const run = withOutput(
    withSecrets(withConfig(program.command('run').description('back up now, on this machine, with the same state machine definition the stack deploys'))),
    'one JSON line per device run: {"device","status","key","size","sha256"}',
  ).option('--device <id...>', 'only these devices (repeatable); all by default');
  withExamples(run, ['backup-runner run --config my-devices.yaml --secrets my-secrets.json --device ar11-lab']);
  run.action(resolvedAction(context, runCommand));

  const demo = withOutput(
    program.command('demo').description('simulated appliances + embedded S3 + the real workflow: backups read back and compared, one restore'),
    'one JSON line per device backup and one for the restore',
  );
  withExamples(demo, ['backup-runner demo', 'backup-runner demo --json']);
  demo.action(plainAction(context, demoCommand));

  const list = withOutput(
    withConfig(program.command('list').description('committed backups in the archive, newest first: time, device, size, storage class, SHA-256, key')),
    'one JSON object per line: {"time","device","size","storageClass","sha256","key","manifestKey"}',
  ).option('--device <id>', 'only this device');
  withExamples(list, ['backup-runner list --config my-devices.yaml --device ar11-lab']);
  list.action(resolvedAction(context, listCommand));

  const prune = withOutput(
    withConfig(program.command('prune').description('apply the retention policy to the archive; --dry-run shows what would go and why')),
    'one JSON object per device: {"device","status","policy","keep":[...],"delete":[...]}',
  )
    .option('--device <id>', 'only this device')
    .option('--dry-run', 'print the plan, delete nothing');
  withExamples(prune, ['backup-runner prune --config my-devices.yaml --device ar11-lab --dry-run']);
  prune.action(resolvedAction(context, pruneCommand));

  const verify = withOutput(
    withConfig(program.command('verify').description('re-read every readable object through SHA-256 and compare it with its manifest; exit 1 on any problem')),
    'one JSON object per finding {"status","key",...}, then a summary {"status","counts"}',
  ).option('--device <id>', 'only this device');
  withExamples(verify, ['backup-runner verify --config my-devices.yaml --device ar11-lab']);
  verify.action(resolvedAction(context, verifyCommand));

  const audit = withOutput(
    withSecrets(withConfig(program.command('audit').description('Storware fleet check: protected entities with no SUCCESS backup newer than N hours; exit 1 when any'))),
    'one JSON document: every entity with its verdict and last SUCCESS',
  )
    .requiredOption('--device <id>', 'the storware device to check')
    .requiredOption('--max-age-hours <n>', 'a SUCCESS backup must be newer than this many hours');
  withExamples(audit, ['backup-runner audit --config my-devices.yaml --device storware-prod --max-age-hours 26']);
  audit.action(resolvedAction(context, auditCommand));

  const restore = withOutput(
    withSecrets(
      withConfig(
        program
          .command('restore')
          .description('bring an archived backup back onto its device (thaw, upload, restore, through the reboot); without --confirm ID it only plans'),
      ),
    ),
    'one JSON document: {"status","device","key","size","sha256","storageClass","thaw","recoveryMs",...}',
  )
    .requiredOption('--device <id>', 'the device to restore')
    .option('--latest', 'the latest committed backup')
    .option('--key <key>', 'the backup with this object key (see backup-runner list)')
    .option('--before <iso>', 'the newest backup taken before this instant, e.g. 2026-11-22T06:00:00Z')
    .option('--confirm <id>', 'the same device id again: without it nothing changes and the plan is printed')
    .option('--dry-run', 'print the plan (backup, size, SHA-256, storage class, thaw, version check) and change nothing')
    .option('--force', 'restore across software versions (never across device types)');
  withExamples(restore, [
    'backup-runner restore --config my-devices.yaml --device ar11-lab --latest                      # the plan only',
    'backup-runner restore --config my-devices.yaml --device ar11-lab --latest --confirm ar11-lab',
  ]);
  restore.action(resolvedAction(context, restoreCommand));

  const drill = withOutput(
    withSecrets(withConfig(program.command('drill').description('restore drill: the latest backup of a device onto a target (standby or simulator), with the recovery time'))),
    'one JSON document with the outcome and recoveryMs',
  )
    .requiredOption('--device <id>', 'whose latest backup to restore')
    .option('--target <id>', 'the device to restore onto (a standby); the device itself when absent');
  withExamples(drill, ['backup-runner drill --config my-devices.yaml --device ar11-lab --target ar11-standby']);
  drill.action(resolvedAction(context, drillCommand));

  const report = withOutput(
    withConfig(
      program
        .command('report')
        .description("fleet report of the archive and this machine's run history: per device its state against its schedule, 90 days of runs, sizes, storage, last restore"),
    ),
    "the report's data as one JSON document (docs/report.md)",
  )
    .option('--html <file>', 'write one self-contained HTML page (works offline, fetches nothing) and print its path')
    .option('--days <n>', 'days in the calendar strip', '90')
    .option('--timezone <zone>', 'the zone calendar days are counted in', 'UTC');
  withExamples(report, ['backup-runner report --config my-devices.yaml --html report.html', 'backup-runner report --config my-devices.yaml --json']);
  report.action(resolvedAction(context, reportCommand));

  addScheduleCommands(program, context);
  addStackCommands(program, context);
  return program;
}

/**
 * Runs the CLI; returns the exit code. Expected errors print one clear line, not a stack trace:
 * usage, config, secret and stack problems exit 2 (nothing was started), anything else that
 * stops a command exits 1.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  }, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, successfully.
      return ['commander.helpDisplayed', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof BackupRunnerError) {
      io.err.write(`backup-runner: ${error.message}\n`);
      return EXIT.usage;
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err.write(`backup-runner: failed: ${text}${argv.includes('--verbose') && error instanceof Error ? `\n${error.stack ?? ''}` : ''}\n`);
    return EXIT.failed;
  }
}
