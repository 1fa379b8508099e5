import type { Command } from 'commander';
import { backupNowCommand } from '../deployed/backup-now';
import { stackListCommand } from '../deployed/stack-list';
import { stackRestoreCommand } from '../deployed/stack-restore';
import { DEFAULT_STACK } from '../deployed/stack-target';
import { statusCommand } from '../deployed/status';

const io = () => ({ out: process.stdout, err: process.stderr });

function withStackOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'AWS profile (~/.aws/config); the SDK default chain when absent')
    .option('--region <region>', 'AWS region of the stack; the profile\'s or AWS_REGION when absent')
    .option('--stack <name>', 'CloudFormation stack name', DEFAULT_STACK);
}

/**
 * Commands against a deployed stack (AWS SDK; resources found from the stack's outputs):
 * top-level `backup-now` and `status`, which have no local twin, and the `stack` group with all
 * four, where `stack list` and `stack restore` stand beside the local `list` and `restore`.
 */
export function addStackCommands(program: Command, setExitCode: (code: number) => void): void {
  const backupNow = (parent: Command) =>
    withStackOptions(
      parent
        .command('backup-now')
        .description('deployed stack: start a backup of one device now (StartExecution); --wait follows it to the end')
        .requiredOption('--device <id>', 'the device to back up')
        .option('--wait', 'follow the execution (state and elapsed time on stderr) and exit 0 only when it succeeded')
        .option('--json', 'one JSON line: {"device","status","executionName",...}'),
    ).action(async (options) => setExitCode(await backupNowCommand(options, io())));
  const status = (parent: Command) =>
    withStackOptions(
      parent
        .command('status')
        .description('deployed stack: per device the last run and its result, the age of the newest committed backup, the next occurrence')
        .requiredOption('--config <file>', 'the config the stack was deployed with (devices and schedules)')
        .option('--device <id>', 'only this device')
        .option('--json', 'one JSON object per device'),
    ).action(async (options) => setExitCode(await statusCommand(options, io())));

  backupNow(program);
  status(program);

  const stack = program.command('stack').description('commands against a deployed stack: backup-now, status, list, restore');
  backupNow(stack);
  status(stack);
  withStackOptions(
    stack
      .command('list')
      .description('committed backups in the deployed archive bucket, newest first')
      .option('--device <id>', 'only this device')
      .option('--json', 'one JSON object per line, as `list --json`'),
  ).action(async (options) => setExitCode(await stackListCommand(options, io())));
  withStackOptions(
    stack
      .command('restore')
      .description('start the deployed restore state machine; without --confirm ID only a dry run (plan and checks)')
      .requiredOption('--device <id>', 'whose backup to restore')
      .option('--target <id>', 'restore onto this device (a standby); the device itself when absent')
      .option('--latest', 'the latest committed backup')
      .option('--key <key>', 'the backup with this object key')
      .option('--before <iso>', 'the newest backup taken before this instant')
      .option('--confirm <id>', 'the target device id again: without it nothing changes')
      .option('--force', 'restore across software versions (never across device types)')
      .option('--wait', 'follow the restore to its end (a Glacier thaw can take hours)')
      .option('--json', 'one JSON document with the outcome'),
  ).action(async (options) => setExitCode(await stackRestoreCommand(options, io())));
}
