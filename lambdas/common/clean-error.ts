import { BackupRunnerError, MAX_ERROR_MESSAGE_CHARS } from './errors';
import type { SecretScrubber } from './secret-scrubber';
import { untrustedText } from './untrusted-text';

/**
 * The net under every error a step throws: whatever a driver let through, the message that
 * reaches the Lambda log, `$.error.Cause`, the state machine's log, the Backup Failed event and
 * the alert e-mail has no secret value, no control character but line feeds, and a bounded length.
 */


/** How many causes deep an error's chain is kept (cleaned); deeper ones are dropped. */
const MAX_CAUSE_DEPTH = 3;

/**
 * One message made safe: secrets scrubbed, control characters replaced (line feeds kept unless
 * told: a config error lists its issues one a line), length bounded.
 */
export function cleanMessage(text: string, scrubber: SecretScrubber, options: { maxChars?: number; keepNewlines?: boolean } = {}): string {
  return untrustedText(scrubber.scrub(text), { maxChars: options.maxChars ?? MAX_ERROR_MESSAGE_CHARS, keepNewlines: options.keepNewlines ?? true });
}

/**
 * A copy of `error` of the same class (so `instanceof`, `name` and therefore Step Functions' Retry
 * and Catch still match), whose message, stack, string properties and causes are cleaned. A thrown
 * non-error becomes a BackupRunnerError with its text.
 */
export function cleanError(error: unknown, scrubber: SecretScrubber, depth = 0): Error {
  if (!(error instanceof Error)) return new BackupRunnerError(cleanMessage(String(error), scrubber));
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if (key === 'stack' || key === 'cause' || key === 'errors' || !('value' in descriptor)) continue;
    Object.defineProperty(copy, key, { ...descriptor, value: cleanValue(descriptor.value, scrubber) });
  }
  const message = cleanMessage(error.message, scrubber);
  Object.defineProperty(copy, 'message', { value: message, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(copy, 'stack', { value: cleanStack(error, message, scrubber), writable: true, enumerable: false, configurable: true });
  if ('cause' in error && error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    Object.defineProperty(copy, 'cause', { value: cleanError(error.cause, scrubber, depth + 1), writable: true, enumerable: false, configurable: true });
  }
  if (error instanceof AggregateError && depth < MAX_CAUSE_DEPTH) {
    Object.defineProperty(copy, 'errors', { value: error.errors.slice(0, 5).map((e: unknown) => cleanError(e, scrubber, depth + 1)), writable: true, enumerable: false, configurable: true });
  }
  return copy;
}

/** The stack with the cleaned message as its head and the original frames ("    at ...") below it. */
function cleanStack(error: Error, message: string, scrubber: SecretScrubber): string {
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 30)
    .map((line) => untrustedText(scrubber.scrub(line), { maxChars: 300 }));
  return [`${error.name}: ${message}`, ...frames].join('\n');
}

/** Strings and string arrays of an error's own properties (status codes, device ids, a config error's issues) cleaned; others kept. */
function cleanValue(value: unknown, scrubber: SecretScrubber): unknown {
  if (typeof value === 'string') return cleanMessage(value, scrubber);
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? cleanMessage(item, scrubber) : item));
  return value;
}
