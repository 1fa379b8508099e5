import type { Command } from 'commander';
import { colourOn, type CliIo, type OutputFlags } from './output';
import { CONFIG_ENV, DEFAULT_CONFIG_FILE, locateConfig, locateSecrets, SECRETS_ENV } from './locate';

/**
 * The options and help every command shares, so each command reads alike (docs/cli.md):
 * --config/--secrets with their environment fallbacks, --json/--quiet/--verbose/--no-color, and
 * an example at the end of --help.
 */

export function withConfig(command: Command): Command {
  return command.option('--config <file>', `config file, YAML or JSON (default: $${CONFIG_ENV}, else ./${DEFAULT_CONFIG_FILE})`);
}

export function withSecrets(command: Command): Command {
  return command.option('--secrets <file>', `JSON file {"<secret name>": {...}} standing in for Secrets Manager (default: $${SECRETS_ENV}, else Secrets Manager)`);
}

export function withOutput(command: Command, jsonContract: string): Command {
  return command
    .option('--json', `${jsonContract}; nothing but JSON on stdout`)
    .option('-q, --quiet', 'nothing on stderr but errors (no progress, no retry lines)')
    .option('--verbose', 'every step and request on stderr')
    .option('--no-color', 'no colour (also NO_COLOR=1; colour is only ever used on a terminal)');
}

export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** What every command receives besides its own options: whether its stdout gets colour. */
export interface Presentation {
  colour: boolean;
}

type Writable = CliIo['out'];

/** Turns a command function into a commander action: files located, colour decided, exit code kept. */
export interface ActionContext {
  io: CliIo;
  setExitCode(code: number): void;
}

export function resolvedAction<O extends OutputFlags & { config?: string; secrets?: string }>(
  context: ActionContext,
  command: (options: O & { config: string } & Presentation, out: Writable, err: Writable) => Promise<number>,
): (options: O) => Promise<void> {
  return async (options) => {
    const config = locateConfig(options.config, context.io);
    const secrets = locateSecrets(options.secrets, context.io);
    const colour = colourOn(context.io.out, context.io.env, options);
    context.setExitCode(await command({ ...options, config, ...(secrets !== undefined ? { secrets } : {}), colour }, context.io.out, context.io.err));
  };
}

/** For commands without a config (demo, schedule preview, the deployed stack's). */
export function plainAction<O extends OutputFlags>(
  context: ActionContext,
  command: (options: O & Presentation, out: Writable, err: Writable) => Promise<number>,
): (options: O) => Promise<void> {
  return async (options) => {
    context.setExitCode(await command({ ...options, colour: colourOn(context.io.out, context.io.env, options) }, context.io.out, context.io.err));
  };
}
