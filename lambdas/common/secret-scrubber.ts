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

/** How untrustedText marks a cut (lambdas/common/untrusted-text.ts `cutMarker`). */
const CUT_MARKER_START = '...[cut ';
const CUT_MARKERS = /\.\.\.\[cut \d+ characters\]/g;

/** Lines of a multi-line secret (a private key) this long or longer are scrubbed one by one too: a device may echo one line. */
const MIN_LINE_LENGTH = 16;

/** The secret values one invocation has read, and their replacement in whatever the invocation says. */
export class SecretScrubber {
  private readonly needles = new Set<string>();
  private ordered: string[] | undefined;

  /**
   * Registers every credential value of a secret (a JSON object, at any depth; identity fields
   * excepted), and the HTTP Basic credentials (base64 of "user:password") its account makes.
   */
  register(secret: unknown): void {
    if (secret !== null && typeof secret === 'object' && !Array.isArray(secret)) {
      const record = secret as Record<string, unknown>;
      const user = [record.username, record.login, record.user].find((v): v is string => typeof v === 'string');
      if (user !== undefined && typeof record.password === 'string') this.addForm(Buffer.from(`${user}:${record.password}`).toString('base64'));
    }
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
    for (const form of forms) this.addForm(form);
  }

  private addForm(form: string): void {
    if (form.length >= MIN_SCRUBBED_LENGTH && !this.needles.has(form)) {
      this.needles.add(form);
      this.ordered = undefined;
    }
  }

  /** How many forms are registered (tests). */
  get size(): number {
    return this.needles.size;
  }

  /**
   * `text` with every registered value replaced by "[redacted]"; longest first, so a value that
   * contains another goes whole. A device's text is cut at 500 characters where it enters
   * (untrustedText), before any step can scrub it, so the cut may fall inside a secret: the start
   * of a secret right before a cut marker goes too.
   */
  scrub(text: string): string {
    if (this.needles.size === 0 || text.length < MIN_SCRUBBED_LENGTH) return text;
    this.ordered ??= [...this.needles].sort((a, b) => b.length - a.length);
    let out = text;
    for (const needle of this.ordered) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out.includes(CUT_MARKER_START) ? this.scrubCutStarts(out) : out;
  }

  /** `text` with the start of a registered value (3 characters or more) that ends right before a cut marker replaced. */
  private scrubCutStarts(text: string): string {
    let out = '';
    let last = 0;
    for (const match of text.matchAll(CUT_MARKERS)) {
      const before = text.slice(last, match.index);
      const cut = this.secretStartLength(before);
      out += (cut ? `${before.slice(0, before.length - cut)}${REDACTED}` : before) + match[0];
      last = match.index + match[0].length;
    }
    return out + text.slice(last);
  }

  /** Length of the longest start of a registered value that `before` ends with; 0 when shorter than 3. */
  private secretStartLength(before: string): number {
    let longest = 0;
    for (const needle of this.ordered ?? []) {
      for (let k = Math.min(needle.length - 1, before.length); k > longest && k >= 3; k--) {
        if (before.endsWith(needle.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
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
