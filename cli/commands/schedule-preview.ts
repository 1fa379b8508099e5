import type { Command } from 'commander';
import { plainAction, withExamples, withOutput, type ActionContext } from '../conventions/command-options';
import { writeJsonLines, type OutputFlags } from '../conventions/output';
import { DEFAULT_HORIZON_YEARS, formatInstant, nextOccurrences, parseSchedule, ScheduleError, type ScheduleInput } from '../../lambdas/schedule';

export interface SchedulePreviewOptions extends OutputFlags {
  /** RRULE text (bare `FREQ=...`, or with a `DTSTART;TZID=...:...` line) or recurrence_rule JSON text. */
  rrule: string;
  /** The device's time zone; default: the zone the rule names, else UTC. */
  tz?: string;
  /** ISO-8601 instant to start at (inclusive); default now. */
  from?: string;
  /** How many occurrences; default 10. */
  count?: number | string;
}

export const DEFAULT_PREVIEW_COUNT = 10;
const MAX_PREVIEW_COUNT = 10_000;

/**
 * `backup-runner schedule preview`: the next occurrences, one ISO-8601 UTC instant a line
 * (`2026-03-29T01:30:00Z`) and nothing else on `out`; a problem goes to `err` as one line, exit 2.
 */
export async function schedulePreviewCommand(
  options: SchedulePreviewOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  now: () => Date = () => new Date(),
): Promise<number> {
  try {
    const count = parseCount(options.count);
    const from = parseFrom(options.from) ?? now();
    const schedule = parseSchedule(parseRruleArgument(options.rrule), options.tz);
    const occurrences = nextOccurrences(schedule, from, count);
    if (options.json) {
      writeJsonLines(out, [{ status: 'OK', rrule: options.rrule, timezone: options.tz ?? null, from: formatInstant(from), occurrences: occurrences.map(formatInstant) }]);
    } else if (occurrences.length) {
      out.write(occurrences.map((d) => `${formatInstant(d)}\n`).join(''));
    }
    if (occurrences.length < count && !options.quiet) {
      // Not an error (the rule may simply end), but say why the list is short; stdout stays instants only.
      err.write(`backup-runner schedule preview: ${occurrences.length} of ${count} occurrences at or after ${formatInstant(from)}: the rule ends (COUNT/UNTIL) or has no more within ${DEFAULT_HORIZON_YEARS} years\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ScheduleError || error instanceof UsageError) {
      err.write(`backup-runner schedule preview: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

class UsageError extends Error {
  override name = 'UsageError';
}

/** JSON object text becomes the recurrence_rule object; anything else is RRULE text (a literal `\n` is a line break). */
export function parseRruleArgument(text: string): ScheduleInput {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`--rrule looks like JSON but is not valid JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--rrule JSON must be a recurrence_rule object');
    return value as Record<string, unknown>;
  }
  if (trimmed === '') throw new UsageError('--rrule is empty: give a rule such as FREQ=DAILY;BYHOUR=2;BYMINUTE=0');
  return trimmed.replace(/\\n/g, '\n');
}

function parseCount(value: number | string | undefined): number {
  if (value === undefined) return DEFAULT_PREVIEW_COUNT;
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PREVIEW_COUNT) {
    throw new UsageError(`--count must be a whole number from 1 to ${MAX_PREVIEW_COUNT}, not "${value}"`);
  }
  return n;
}

function parseFrom(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  // Date-only is UTC midnight; a date-time needs its zone (Z or an offset): local time of this machine would be a guess.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/i.test(value.trim())) {
    throw new UsageError(`--from must be an ISO-8601 instant such as 2026-03-29T00:00:00Z (with Z or an offset) or a date, not "${value}"`);
  }
  const d = new Date(value.trim());
  if (Number.isNaN(d.getTime())) throw new UsageError(`--from "${value}" is not a valid date`);
  return d;
}

/**
 * Adds `schedule preview` to the program (for cli/main.ts):
 *   backup-runner schedule preview --rrule TEXT [--tz ZONE] [--from ISO] [--count N]
 */
export function addScheduleCommands(program: Command, context: ActionContext): void {
  const schedule = program.command('schedule').description('schedules (RRULE + time zone): preview');
  withExamples(schedule, ['backup-runner schedule preview --rrule "FREQ=DAILY;BYHOUR=2;BYMINUTE=0" --tz Europe/Budapest --count 3']);
  const preview = withOutput(
    schedule.command('preview').description('the next occurrences of a schedule, one ISO-8601 UTC instant a line'),
    'one JSON document {"status","rrule","timezone","from","occurrences":[...]}',
  );
  withExamples(preview, [
    'backup-runner schedule preview --rrule "FREQ=DAILY;BYHOUR=2;BYMINUTE=0" --tz Europe/Budapest --count 3',
    'backup-runner schedule preview --rrule \'{"freq":"QUARTERLY","bymonthday":[1],"byhour":[3]}\' --tz Asia/Kolkata --json',
  ]);
  preview
    .requiredOption('--rrule <text>', 'RRULE text (FREQ=..., optionally "DTSTART;TZID=Zone:YYYYMMDDTHHMMSS RRULE:...") or recurrence_rule JSON')
    .option('--tz <zone>', 'IANA time zone of the device (default: the rule\'s own, else UTC)')
    .option('--from <iso>', 'start at this instant, inclusive (default: now)')
    .option('--count <n>', `how many occurrences (default ${DEFAULT_PREVIEW_COUNT})`)
    .action(plainAction(context, (options: SchedulePreviewOptions, out, err) => schedulePreviewCommand(options, out, err)));
}
