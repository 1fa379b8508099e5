import type { SecretSource } from './secrets';

/**
 * Scrubbing secrets by value. Field-name redaction (`redactSecrets`) keeps a `password` field out of
 * a log line, but not the password itself when a device quotes it back inside text: a login
 * answered `400 {"error_text": "cannot parse {\"password\":\"...\"}"}` puts it into the error's
 * message. So every value a step reads from its secrets is registered here, and everything the
 * step says (error messages and stacks, log lines, its result) has those values replaced.
 */

/** What a scrubbed secret value becomes. */
export const REDACTED = '[redacted]';

/**
 * Fields of a secret that name an account rather than prove it: kept readable, because "refused
 * SSH login as \"backup\"" is what an operator needs, and scrubbing a common word like "admin"
 * from every message would garble them.
 */
const IDENTITY_FIELD = /^(username|user|login|sshusername|name)$/i;

/**
 * Shorter values are not scrubbed: replacing every "abc" in every message would make them
 * unreadable, and a credential that short is no secret worth the name.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** Lines of a multi-line secret (a private key) this long or longer are scrubbed one by one too: a device may echo one line. */
const MIN_LINE_LENGTH = 16;

/** The secret values one invocation has read, and their replacement in whatever the invocation says. */
export class SecretScrubber {
  private readonly needles = new Set<string>();
  private ordered: string[] | undefined;

  /** Registers every credential value of a secret (a JSON object, at any depth; identity fields excepted). */
  register(secret: unknown): void {
    const walk = (value: unknown, field: string | undefined, depth: number): void => {
      if (depth > 8) return;
      if (typeof value === 'string') {
        if (field === undefined || !IDENTITY_FIELD.test(field)) this.registerValue(value);
      } else if (Array.isArray(value)) {
        for (const item of value) walk(item, field, depth + 1);
      } else if (value !== null && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) walk(item, key, depth + 1);
      }
    };
    walk(secret, undefined, 0);
  }

  /**
   * Registers one secret value, with the forms it takes when a device echoes a request back: as
   * JSON text (escaped once, and twice when that text is quoted again), URL-encoded (a form or a
   * query), and a multi-line value's long lines one by one.
   */
  registerValue(value: string): void {
    const forms = new Set<string>([value, value.trim()]);
    const jsonOnce = JSON.stringify(value).slice(1, -1);
    forms.add(jsonOnce);
    forms.add(JSON.stringify(jsonOnce).slice(1, -1));
    forms.add(encodeURIComponent(value));
    forms.add(new URLSearchParams({ v: value }).toString().slice(2));
    if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_LENGTH) forms.add(line.trim());
    for (const form of forms) {
      if (form.length >= MIN_SCRUBBED_LENGTH && !this.needles.has(form)) {
        this.needles.add(form);
        this.ordered = undefined;
      }
    }
  }

  /** How many forms are registered (tests). */
  get size(): number {
    return this.needles.size;
  }

  /** `text` with every registered value replaced by "[redacted]"; longest first, so a value that contains another goes whole. */
  scrub(text: string): string {
    if (this.needles.size === 0 || text.length < MIN_SCRUBBED_LENGTH) return text;
    this.ordered ??= [...this.needles].sort((a, b) => b.length - a.length);
    let out = text;
    for (const needle of this.ordered) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }

  /** A copy of a JSON-like value with every string (and object key) scrubbed; other values as they are. */
  scrubDeep<T>(value: T): T {
    if (this.needles.size === 0) return value;
    const walk = (v: unknown, depth: number): unknown => {
      if (typeof v === 'string') return this.scrub(v);
      if (depth > 32 || v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [this.scrub(k), walk(item, depth + 1)]));
    };
    return walk(value, 0) as T;
  }
}

/** A secret source that registers every value it returns with `scrubber` before the caller sees it. */
export function scrubberRecordingSource(source: SecretSource, scrubber: SecretScrubber): SecretSource {
  return {
    async get(name) {
      const value = await source.get(name);
      scrubber.register(value);
      return value;
    },
  };
}
