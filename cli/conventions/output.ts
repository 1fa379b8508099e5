import { styleText } from 'node:util';
import type { LogLevel } from '../../lambdas/common/log';
import type { Status } from './status';

/** The streams and surroundings a command runs in: the process's, or a test's. */
export interface CliIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export const processIo = (): CliIo => ({ out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() });

/** The output switches every command takes. */
export interface OutputFlags {
  /** Only JSON on stdout. */
  json?: boolean;
  /** Nothing on stderr but errors. */
  quiet?: boolean;
  /** Every step and request on stderr. */
  verbose?: boolean;
  /** commander's `--no-color` sets this false. */
  color?: boolean;
}

/** What goes to stderr: --verbose everything, --quiet errors only, --json warnings (retries, problems), else progress too. */
export function logLevel(flags: OutputFlags): LogLevel {
  if (flags.quiet) return 'error';
  if (flags.verbose) return 'debug';
  return flags.json ? 'warn' : 'info';
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or --no-color, never in JSON. */
export function colourOn(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>, flags: OutputFlags): boolean {
  return stream.isTTY === true && !flags.json && flags.color !== false && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

const STATUS_COLOUR: Partial<Record<Status, 'green' | 'red' | 'yellow' | 'cyan'>> = {
  SUCCEEDED: 'green',
  RESTORED: 'green',
  OK: 'green',
  PRUNED: 'green',
  FAILED: 'red',
  TIMED_OUT: 'red',
  ABORTED: 'red',
  PROBLEM: 'red',
  MISMATCH: 'red',
  NO_OBJECT: 'red',
  BAD_MANIFEST: 'red',
  READ_FAILED: 'red',
  NO_MANIFEST: 'yellow',
  STALE: 'yellow',
  RESTORED_WITH_ERRORS: 'yellow',
  COLD: 'cyan',
  PLANNED: 'cyan',
};

/** A status word (or a cell starting with one) in its colour when colour is on; the text unchanged otherwise. */
export function paintStatus(text: string, status: Status, colour: boolean): string {
  const c = STATUS_COLOUR[status];
  return colour && c ? styleText(c, text, { validateStream: false }) : text;
}

/** SHA-256 as tables show it: the first 12 hex digits (48 bits; the full value is in --json and the manifest). */
export function shortSha256(sha256: string | undefined): string {
  return sha256 ? sha256.slice(0, 12) : '';
}

/** One JSON object per line: what every command prints with --json. */
export function writeJsonLines(out: NodeJS.WritableStream, objects: readonly object[]): void {
  out.write(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
}
