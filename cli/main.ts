import { Command, CommanderError } from 'commander';
import { BackupRunnerError } from '../lambdas/common/errors';
import { auditCommand } from './commands/audit';
import { demoCommand } from './commands/demo';
import { drillCommand } from './commands/drill';
import { listCommand } from './commands/list';
import { pruneCommand } from './commands/prune';
import { restoreCommand } from './commands/restore';
import { verifyCommand } from './commands/verify';
import { runCommand } from './commands/run';
import { addScheduleCommands } from './commands/schedule-preview';
import { addStackCommands } from './commands/stack';

/** Builds the `backup-runner` command line. Each action resolves to the process exit code. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('backup-runner')
    .description('Back up network and security appliances through their vendors\' REST APIs into S3.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('back up now, on this machine, with the same state machine definition the stack deploys')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .option('--device <id...>', 'only these devices (repeatable); all by default')
    .option('--secrets <file>', 'JSON file {"<secret name>": {...}} standing in for Secrets Manager')
    .option('--json', 'one JSON line per device run: {"device","status","key","size","sha256"}')
    .option('--verbose', 'log every step on stderr')
    .action(async (options) => setExitCode(await runCommand(options)));

  program
    .command('demo')
    .description('simulated appliance + embedded S3 + the real workflow: one backup, read back and compared')
    .option('--verbose', 'log every step on stderr')
    .action(async (options) => setExitCode(await demoCommand(options)));

  program
    .command('list')
    .description('committed backups in the archive, newest first: time, device, size, storage class, SHA-256, key')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .option('--device <id>', 'only this device')
    .option('--json', 'one JSON object per line: {"time","device","size","storageClass","sha256","key","manifestKey"}')
    .action(async (options) => setExitCode(await listCommand(options)));

  program
    .command('prune')
    .description('apply the retention policy to the archive; --dry-run shows what would go and why')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .option('--device <id>', 'only this device')
    .option('--dry-run', 'print the plan, delete nothing')
    .option('--verbose', 'log every deletion on stderr')
    .action(async (options) => setExitCode(await pruneCommand(options)));

  program
    .command('verify')
    .description('re-read every readable object through SHA-256 and compare it with its manifest; exit 1 on any problem')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .option('--device <id>', 'only this device')
    .action(async (options) => setExitCode(await verifyCommand(options)));

  program
    .command('audit')
    .description('Storware fleet check: list protected entities with no SUCCESS backup newer than N hours; exit 1 when any')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .requiredOption('--device <id>', 'the storware device to check')
    .requiredOption('--max-age-hours <n>', 'a SUCCESS backup must be newer than this many hours')
    .option('--secrets <file>', 'JSON file {"<secret name>": {...}} standing in for Secrets Manager')
    .option('--json', 'one JSON document: every entity with its verdict and last SUCCESS')
    .option('--verbose', 'log every request on stderr')
    .action(async (options) => setExitCode(await auditCommand(options)));

  program
    .command('restore')
    .description('bring an archived backup back onto its device (thaw, upload, restore, through the reboot); without --confirm ID it only plans')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .requiredOption('--device <id>', 'the device to restore')
    .option('--latest', 'the latest committed backup')
    .option('--key <key>', 'the backup with this object key (see backup-runner list)')
    .option('--before <iso>', 'the newest backup taken before this instant, e.g. 2026-11-22T06:00:00Z')
    .option('--confirm <id>', 'the same device id again: without it nothing changes and the plan is printed')
    .option('--dry-run', 'print the plan (backup, size, SHA-256, storage class, thaw, version check) and change nothing')
    .option('--force', 'restore across software versions (never across device types)')
    .option('--secrets <file>', 'JSON file {"<secret name>": {...}} standing in for Secrets Manager')
    .option('--json', 'one JSON document: {"status","device","key","size","sha256","storageClass","thaw","recoveryMs",...}')
    .option('--verbose', 'log every step on stderr')
    .action(async (options) => setExitCode(await restoreCommand(options)));

  program
    .command('drill')
    .description('restore drill: the latest backup of a device onto a target (standby or simulator), with the recovery time')
    .requiredOption('--config <file>', 'config file (YAML or JSON)')
    .requiredOption('--device <id>', 'whose latest backup to restore')
    .option('--target <id>', 'the device to restore onto (a standby); the device itself when absent')
    .option('--secrets <file>', 'JSON file {"<secret name>": {...}} standing in for Secrets Manager')
    .option('--json', 'one JSON document with the outcome and recoveryMs')
    .option('--verbose', 'log every step on stderr')
    .action(async (options) => setExitCode(await drillCommand(options)));

  addScheduleCommands(program, setExitCode);
  addStackCommands(program, setExitCode);

  return program;
}

/** Runs the CLI; returns the exit code. Expected errors print one clear message, not a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof BackupRunnerError) {
      process.stderr.write(`backup-runner: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
