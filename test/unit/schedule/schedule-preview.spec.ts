import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { schedulePreviewCommand, type SchedulePreviewOptions } from '../../../cli/commands/schedule-preview';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function preview(options: SchedulePreviewOptions, now = '2026-03-27T12:00:00Z') {
  const out = new Capture();
  const err = new Capture();
  const code = await schedulePreviewCommand(options, out, err, () => new Date(now));
  return { code, out: out.text, err: err.text };
}

const INSTANT_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('backup-runner schedule preview', () => {
  it('prints one ISO-8601 UTC instant a line without milliseconds, and nothing else', async () => {
    const r = await preview({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', tz: 'Europe/Budapest', from: '2026-03-28T00:00:00Z', count: '3' });
    expect(r).toEqual({ code: 0, out: '2026-03-28T01:30:00Z\n2026-03-29T01:30:00Z\n2026-03-30T00:30:00Z\n', err: '' });
  });

  it('defaults: 10 occurrences at or after now', async () => {
    const r = await preview({ rrule: 'FREQ=HOURLY;BYMINUTE=0' }, '2026-03-27T12:00:00Z');
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => INSTANT_LINE.test(l))).toBe(true);
    expect(lines[0]).toBe('2026-03-27T12:00:00Z');
    expect(r.out.endsWith('\n')).toBe(true);
  });

  it('reads RRULE text with a DTSTART line (also as one argument with a literal \\n), and the JSON object', async () => {
    const expected = '2026-03-28T01:30:00Z\n2026-03-29T01:30:00Z\n';
    const opts = { from: '2026-03-28T00:00:00Z', count: 2 };
    expect((await preview({ rrule: 'DTSTART;TZID=Europe/Budapest:20260101T023000\nRRULE:FREQ=DAILY', ...opts })).out).toBe(expected);
    expect((await preview({ rrule: 'DTSTART;TZID=Europe/Budapest:20260101T023000\\nRRULE:FREQ=DAILY', ...opts })).out).toBe(expected);
    expect((await preview({ rrule: '{"freq":"DAILY","byhour":[2],"byminute":[30],"timezone":"Europe/Budapest"}', ...opts })).out).toBe(expected);
    expect((await preview({ rrule: '{"freq":"DAILY","byhour":[2],"byminute":[30]}', tz: 'Europe/Budapest', ...opts })).out).toBe(expected);
  });

  it('a rule that ends prints what there is, and says so on stderr', async () => {
    const r = await preview({ rrule: 'DTSTART;TZID=UTC:20260401T000000\nRRULE:FREQ=DAILY;COUNT=2', count: 5 });
    expect(r.code).toBe(0);
    expect(r.out).toBe('2026-04-01T00:00:00Z\n2026-04-02T00:00:00Z\n');
    expect(r.err).toMatch(/2 of 5 occurrences/);
  });

  it.each([
    [{ rrule: 'FREQ=DAILY;COUNT=2;UNTIL=20300101T000000Z' }, /COUNT and UNTIL must not both be given/],
    [{ rrule: 'FREQ=DAILY', tz: 'Mars/Olympus_Mons' }, /unknown time zone "Mars\/Olympus_Mons"/],
    [{ rrule: '{"freq": "DAILY",' }, /--rrule looks like JSON but is not valid JSON/],
    [{ rrule: 'FREQ=DAILY', count: 'ten' }, /--count must be a whole number/],
    [{ rrule: 'FREQ=DAILY', count: 0 }, /--count must be a whole number/],
    [{ rrule: 'FREQ=DAILY', from: '2026-03-28T00:00:00' }, /--from must be an ISO-8601 instant .* \(with Z or an offset\)/],
    [{ rrule: 'FREQ=DAILY', from: 'yesterday' }, /--from must be an ISO-8601 instant/],
  ])('errors go to stderr with exit code 2, nothing on stdout (%#)', async (options, message) => {
    const r = await preview(options);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });
});
