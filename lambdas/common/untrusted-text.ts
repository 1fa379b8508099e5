/**
 * Text a device sent (error texts, status messages, file names) is untrusted: a misbehaving or
 * hostile device can answer 400 KiB of text, or text with terminal escapes, newlines that forge
 * log lines, or bidirectional overrides that make a message read differently than it is. Such text
 * goes through `untrustedText` before it enters an error, a log line, an event or the execution
 * history.
 */

/** How many characters of one device-sent string are kept. */
export const DEVICE_TEXT_MAX_CHARS = 500;

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
 */
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;
/** The same without line feed, for messages whose lines are ours (a config error's issue list). */
const CONTROL_RUNS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

export interface UntrustedTextOptions {
  /** @default DEVICE_TEXT_MAX_CHARS */
  readonly maxChars?: number;
  /** Keep line feeds (each other control run still becomes one space). @default false */
  readonly keepNewlines?: boolean;
}

/**
 * `text` with each run of control characters replaced by one space, cut to `maxChars` with a
 * marker that says how much was cut: `...[cut 409157 characters]`. Pure.
 */
export function untrustedText(text: string, options: UntrustedTextOptions = {}): string {
  const maxChars = options.maxChars ?? DEVICE_TEXT_MAX_CHARS;
  // Cut first (with room for what the replacement may shorten), so a huge text is not scanned whole.
  const head = text.length > maxChars * 2 ? text.slice(0, maxChars * 2) : text;
  const clean = head.replace(options.keepNewlines ? CONTROL_RUNS_BUT_NEWLINE : CONTROL_RUNS, ' ');
  const cleanLength = clean.length + (text.length - head.length);
  if (cleanLength <= maxChars) return clean;
  let end = maxChars;
  // Never split a surrogate pair: half a character is not text.
  const last = clean.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${clean.slice(0, end)}${cutMarker(cleanLength - end)}`;
}

/** The marker a cut text ends with. */
export function cutMarker(charsCut: number): string {
  return `...[cut ${charsCut} characters]`;
}
