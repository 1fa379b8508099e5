import { describe, expect, it } from 'vitest';
import { bodyStart, describeBodyStart, errorForAnswer, parseErrorObject, type ErrorAnswerRules } from '../../../lambdas/drivers/common/error-answers';

const rules: ErrorAnswerRules = {
  authenticationStatuses: new Set([401, 403]),
  authenticationMessage: (what) => `${what}; refused`,
  busyMessage: (what, status) => (status === 409 ? `${what}; busy` : undefined),
  rejectedMessage: (what, status) => (status === 422 ? `${what}; bad config` : what),
};

describe('errorForAnswer', () => {
  it.each([
    [401, 'AuthenticationFailed', 'X; refused'],
    [403, 'AuthenticationFailed', 'X; refused'],
    [500, 'DeviceUnreachable', 'X; will retry later'],
    [503, 'DeviceUnreachable', 'X; will retry later'],
    [409, 'DeviceBusy', 'X; busy'],
    [422, 'DeviceRejectedRequest', 'X; bad config'],
    [404, 'DeviceRejectedRequest', 'X'],
    [302, 'DeviceProtocolError', 'X; expected a 2xx answer'],
  ])('maps %i to %s', (status, name, message) => {
    const error = errorForAnswer('dev-1', 'X', status, rules);
    expect(error.name).toBe(name);
    expect(error.message).toContain(message);
    expect(error.deviceId).toBe('dev-1');
  });

  it('names the status of a rejected request and defaults its message to what was asked', () => {
    const { rejectedMessage: _omitted, ...withoutRejected } = rules;
    const error = errorForAnswer('dev-1', 'GET /x answered 400 (nope)', 400, withoutRejected);
    expect(error).toMatchObject({ name: 'DeviceRejectedRequest', status: 400 });
    expect(error.message).toContain('GET /x answered 400 (nope)');
  });
});

describe('error bodies', () => {
  it('reads a JSON object, and nothing else, as the error document', () => {
    expect(parseErrorObject('{"message":"m"}')).toEqual({ message: 'm' });
    expect(parseErrorObject('<html>502</html>')).toBeUndefined();
    expect(parseErrorObject('"text"')).toBeUndefined();
  });

  it('cuts the error texts of a document at 500 characters and removes control characters: a device may answer 400 KiB', () => {
    const huge = JSON.stringify({ error_id: 'BAD_REQUEST', error_text: `cannot parse\n${'y'.repeat(400 * 1024)}`, code: 7 });
    const parsed = parseErrorObject(huge)!;
    expect(parsed.code).toBe(7);
    expect(parsed.error_id).toBe('BAD_REQUEST');
    expect(parsed.error_text).toMatch(/^cannot parse y+\.\.\.\[cut \d+ characters\]$/);
    expect((parsed.error_text as string).length).toBeLessThan(530);
    const error = errorForAnswer('dev-1', `POST /login answered 400 (${String(parsed.error_text)})`, 400, rules);
    expect(error.message.length).toBeLessThan(600);
  });

  it('keeps the trimmed start of any other body, cut at 200 characters', () => {
    expect(bodyStart('  \n ')).toBeUndefined();
    expect(bodyStart(' <html> ')).toBe('<html>');
    expect(bodyStart('x'.repeat(300))).toBe(`${'x'.repeat(200)}...[cut 100 characters]`);
    expect(bodyStart('<h1>\u001b[31mred\r\nline</h1>')).toBe('<h1> [31mred line</h1>');
    expect(describeBodyStart('<html>')).toBe('body "<html>"');
    expect(describeBodyStart(undefined)).toBe('no error text');
  });
});
