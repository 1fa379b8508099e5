import { Command, CommanderError } from 'commander';
import { BackupRunnerError } from '../lambdas/common/errors';
import { demoCommand } from './commands/demo';
import { runCommand } from './commands/run';

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
