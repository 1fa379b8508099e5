import type { Command } from 'commander';
import { locateConfig } from '../conventions/locate';
import { colourOn } from '../conventions/output';
import { withConfig, withExamples, withOutput, type ActionContext } from '../conventions/command-options';
import { backupNowCommand } from '../deployed/backup-now';
import { stackListCommand } from '../deployed/stack-list';
import { stackRestoreCommand } from '../deployed/stack-restore';
import { DEFAULT_STACK } from '../deployed/stack-target';
import { statusCommand } from '../deployed/status';

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
export function addStackCommands(program: Command, context: ActionContext): void {
  const { io } = context;
  const streams = { out: io.out, err: io.err };
  const flags = <O extends { json?: boolean; quiet?: boolean; color?: boolean }>(options: O) => ({ ...options, colour: colourOn(io.out, io.env, options) });
  const backupNow = (parent: Command, name: string) => {
    const command = withOutput(
      withStackOptions(
        parent
          .command('backup-now')
          .description('deployed stack: start a backup of one device now (StartExecution); --wait follows it to the end')
          .requiredOption('--device <id>', 'the device to back up')
          .option('--wait', 'follow the execution (state and elapsed time on stderr) and exit 0 only when it succeeded'),
      ),
      'one JSON line: {"device","status","executionName",...}',
    );
    withExamples(command, [`backup-runner ${name} --device ar11-lab --wait --profile backup --region eu-central-1`]);
    command.action(async (options) => context.setExitCode(await backupNowCommand(flags(options), streams)));
  };
  const status = (parent: Command, name: string) => {
    const command = withOutput(
      withConfig(
        withStackOptions(
          parent
            .command('status')
            .description('deployed stack: per device the last run and its result, the age of the newest committed backup, the next occurrence')
            .option('--device <id>', 'only this device'),
        ),
      ),
      'one JSON object per device {"device","status","lastRun","newestBackup",...}',
    );
    withExamples(command, [`backup-runner ${name} --config my-devices.yaml --profile backup`]);
    command.action(async (options) => context.setExitCode(await statusCommand({ ...flags(options), config: locateConfig(options.config, io) }, streams)));
  };

  backupNow(program, 'backup-now');
  status(program, 'status');

  const stack = program.command('stack').description('commands against a deployed stack: backup-now, status, list, restore');
  withExamples(stack, ['backup-runner stack list --device ar11-lab --profile backup --region eu-central-1']);
  backupNow(stack, 'stack backup-now');
  status(stack, 'stack status');
  const list = withOutput(
    withStackOptions(stack.command('list').description('committed backups in the deployed archive bucket, newest first').option('--device <id>', 'only this device')),
    'one JSON object per line, as `list --json`',
  );
  withExamples(list, ['backup-runner stack list --device ar11-lab --profile backup --region eu-central-1']);
  list.action(async (options) => context.setExitCode(await stackListCommand(flags(options), streams)));
  const restore = withOutput(
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
        .option('--wait', 'follow the restore to its end (a Glacier thaw can take hours)'),
    ),
    'one JSON document with the outcome {"status","device","target","executionName",...}',
  );
  withExamples(restore, ['backup-runner stack restore --device ar11-lab --latest                       # a dry run: the plan', 'backup-runner stack restore --device ar11-lab --latest --confirm ar11-lab --wait']);
  restore.action(async (options) => context.setExitCode(await stackRestoreCommand(flags(options), streams)));
}
