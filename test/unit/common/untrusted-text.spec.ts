import { describe, expect, it } from 'vitest';
import { BackupRunnerError, DeviceRejectedRequest, MAX_ERROR_MESSAGE_CHARS } from '../../../lambdas/common/errors';
import { cutMarker, DEVICE_TEXT_MAX_CHARS, untrustedText } from '../../../lambdas/common/untrusted-text';

describe('untrustedText', () => {
  it('pins the cap: 500 characters of a device string are kept, then a marker says how many were cut', () => {
    expect(DEVICE_TEXT_MAX_CHARS).toBe(500);
    const text = 'a'.repeat(409_657);
    const out = untrustedText(text);
    expect(out).toBe(`${'a'.repeat(500)}...[cut 409157 characters]`);
    expect(out.endsWith(cutMarker(409_157))).toBe(true);
    expect(untrustedText('b'.repeat(500))).toBe('b'.repeat(500));
    expect(untrustedText('b'.repeat(501))).toBe(`${'b'.repeat(500)}...[cut 1 characters]`);
  });

  it.each([
    ['terminal escapes', 'ok\u001b[2J\u001b[31mred', 'ok [2J [31mred'],
    ['forged log lines', 'fine\r\nERROR admin password reset', 'fine ERROR admin password reset'],
    ['NUL and DEL', 'a\u0000b\u007fc', 'a b c'],
    ['C1 controls', 'a\u0085b\u009bc', 'a b c'],
    ['bidi overrides (Trojan Source)', 'abc\u202edcba\u2066x\u2069', 'abc dcba x '],
    ['Unicode line separators', 'a\u2028b\u2029c', 'a b c'],
  ])('replaces %s with a space per run', (_what, text, expected) => {
    expect(untrustedText(text)).toBe(expected);
  });

  it('keeps line feeds when told (a config error lists issues a line each), and never splits a surrogate pair', () => {
    expect(untrustedText('a\n  - b\r\n', { keepNewlines: true })).toBe('a\n  - b \n');
    expect(untrustedText(`${'x'.repeat(9)}😀`, { maxChars: 10 })).toBe(`${'x'.repeat(9)}...[cut 2 characters]`);
  });

  it('bounds every typed error at construction, whatever text a caller put in', () => {
    const error = new DeviceRejectedRequest(`POST /token answered 400 (${'z'.repeat(400 * 1024)}\u001b[0m)`, { deviceId: 'ar11', status: 400 });
    expect(error.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS + cutMarker(409_999).length);
    expect(error.message).toMatch(/^ar11: POST \/token answered 400 \(z+\.\.\.\[cut \d+ characters\]$/);
    expect(new BackupRunnerError('two\nlines\u0007').message).toBe('two\nlines ');
  });
});
