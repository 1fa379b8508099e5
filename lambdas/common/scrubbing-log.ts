import { cleanError, cleanMessage } from './clean-error';
import type { Log } from './log';
import type { SecretScrubber } from './secret-scrubber';

/** A string value of a log line is cut here (a device's text is cut at 500 where it enters; this bounds the rest). */
const LOG_VALUE_MAX_CHARS = 2000;
/** A log record is one line: a device's line feed must not forge a second record on a plain-text log. */
const LINE = { maxChars: LOG_VALUE_MAX_CHARS, keepNewlines: false };

/**
 * `log` with every line made safe before it is written: the message and every string in `extra`
 * (at any depth) scrubbed of the invocation's secret values, control characters replaced and the
 * length bounded; errors cleaned like thrown ones (cleanError).
 */
export function scrubbingLog(log: Log, scrubber: SecretScrubber): Log {
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return cleanMessage(value, scrubber, LINE);
    if (value instanceof Error) return cleanError(value, scrubber);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return cleanMessage(String(value), scrubber, LINE);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, depth + 1)]));
  };
  const line =
    (level: keyof Log) =>
    (message: string, extra?: Record<string, unknown>): void =>
      log[level](cleanMessage(message, scrubber, LINE), extra === undefined ? undefined : (clean(extra, 0) as Record<string, unknown>));
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
