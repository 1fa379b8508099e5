import { describe, expect, it } from 'vitest';
import { executionNameFor, formatInstant, jitterOffsetSeconds, parseSchedule, planDispatch, type DispatchDevice } from '../../../lambdas/schedule';

const devices: DispatchDevice[] = [
  { id: 'ar11-lab', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: 'Europe/Budapest' } },
  { id: 'fg-east', schedule: { rrule: 'FREQ=HOURLY;BYMINUTE=0', timezone: 'UTC' } },
  { id: 'qradar-console', schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=4', timezone: 'America/New_York' } },
  { id: 'storware-prod', schedule: parseSchedule({ freq: 'DAILY', byhour: [2], byminute: [30] }, 'Europe/Budapest') },
];
const at = (s: string) => new Date(s);
const none = new Set<string>();
/** The plan as plain data, for comparisons and readable failures. */
const summary = (plan: ReturnType<typeof planDispatch>) => ({
  due: plan.due.map((d) => `${d.executionName} due ${formatInstant(d.dueAt)} superseded ${d.superseded}`),
  skipped: plan.skipped.map((s) => `${s.deviceId} ${s.reason} ${s.occurrence ? formatInstant(s.occurrence) : '-'}`),
});

describe('planDispatch', () => {
  it('starts what is due in (lastTick, now], named device + occurrence; twice the same tick gives the same names', () => {
    // 02:30 on the spring-forward night in Budapest does not exist: it is 01:30Z (03:30 CEST).
    const input = { devices, lastTick: at('2026-03-29T01:25:00Z'), now: at('2026-03-29T01:30:00Z'), running: none };
    const first = planDispatch(input);
    expect(summary(first)).toEqual({
      due: ['ar11-lab-20260329T0130Z due 2026-03-29T01:30:00Z superseded 0', 'storware-prod-20260329T0130Z due 2026-03-29T01:30:00Z superseded 0'],
      skipped: [],
    });
    expect(first.due[0]?.occurrence).toEqual(at('2026-03-29T01:30:00Z'));
    expect(planDispatch(input)).toEqual(first);
  });

  it('the window is open at lastTick and closed at now: an occurrence on a tick boundary is started exactly once', () => {
    const ticks = ['2026-03-29T00:55:00Z', '2026-03-29T01:00:00Z', '2026-03-29T01:05:00Z'];
    const names = [0, 1].flatMap((i) =>
      planDispatch({ devices: [devices[1]!], lastTick: at(ticks[i]!), now: at(ticks[i + 1]!), running: none }).due.map((d) => d.executionName),
    );
    expect(names).toEqual(['fg-east-20260329T0100Z']);
  });

  it('a missed tick: the occurrence is still started, once, by the next tick', () => {
    const plan = planDispatch({ devices, lastTick: at('2026-03-29T01:20:00Z'), now: at('2026-03-29T01:35:00Z'), running: none });
    expect(plan.due.map((d) => d.executionName)).toEqual(['ar11-lab-20260329T0130Z', 'storware-prod-20260329T0130Z']);
  });

  it('after an outage only the latest missed occurrence is started; the earlier ones are counted as superseded', () => {
    const plan = planDispatch({ devices: [devices[1]!], lastTick: at('2026-03-29T00:05:00Z'), now: at('2026-03-29T05:05:00Z'), running: none });
    expect(summary(plan)).toEqual({ due: ['fg-east-20260329T0500Z due 2026-03-29T05:00:00Z superseded 4'], skipped: [] });
  });

  it('an outage longer than maxLateness: the latest missed occurrence is too late and is skipped with the reason', () => {
    const input = { devices: [devices[0]!], lastTick: at('2026-03-28T20:00:00Z'), now: at('2026-03-29T09:00:00Z'), running: none };
    const late = planDispatch(input); // 01:30Z is 7.5 h before now; the default limit is 6 h
    expect(summary(late)).toEqual({ due: [], skipped: ['ar11-lab too-late 2026-03-29T01:30:00Z'] });
    expect(late.skipped[0]?.detail).toMatch(/450 min ago, more than maxLatenessMinutes=360/);
    expect(summary(planDispatch({ ...input, maxLatenessMinutes: 480 })).due).toEqual(['ar11-lab-20260329T0130Z due 2026-03-29T01:30:00Z superseded 0']);
  });

  it('a device still running a backup is skipped, not queued', () => {
    const plan = planDispatch({ devices, lastTick: at('2026-03-29T01:25:00Z'), now: at('2026-03-29T01:30:00Z'), running: new Set(['ar11-lab']) });
    expect(summary(plan)).toEqual({
      due: ['storware-prod-20260329T0130Z due 2026-03-29T01:30:00Z superseded 0'],
      skipped: ['ar11-lab running 2026-03-29T01:30:00Z'],
    });
  });

  it('without lastTick (first tick, lost state) the window is the last maxLateness minutes', () => {
    const plan = planDispatch({ devices: [devices[0]!], lastTick: undefined, now: at('2026-03-29T03:00:00Z'), running: none });
    expect(plan.windowStart).toEqual(at('2026-03-28T21:00:00Z'));
    expect(plan.due.map((d) => d.executionName)).toEqual(['ar11-lab-20260329T0130Z']);
  });

  it('an invalid schedule skips that device with the reason and plans the others', () => {
    const plan = planDispatch({
      devices: [{ id: 'broken', schedule: { rrule: 'FREQ=MONTHLY;BYSETPOS=-1' } }, devices[1]!],
      lastTick: at('2026-03-29T00:55:00Z'),
      now: at('2026-03-29T01:00:00Z'),
      running: none,
    });
    expect(plan.due.map((d) => d.executionName)).toEqual(['fg-east-20260329T0100Z']);
    expect(plan.skipped).toEqual([{ deviceId: 'broken', occurrence: undefined, reason: 'invalid', detail: expect.stringMatching(/BYSETPOS/) }]);
  });

  it('jitter delays the start by a stable per-device offset; the execution name stays the occurrence', () => {
    const device = devices[0]!;
    const offset = jitterOffsetSeconds(device.id, 30);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(30 * 60);
    expect(jitterOffsetSeconds(device.id, 30)).toBe(offset);
    const occurrence = Date.parse('2026-03-29T01:30:00Z');
    const dueAt = occurrence + offset * 1000;
    const plan = (lastTick: number, now: number) => planDispatch({ devices: [device], lastTick: new Date(lastTick), now: new Date(now), jitterMinutes: 30, running: none });
    expect(plan(dueAt - 300_000, dueAt - 1000).due).toEqual([]);
    const due = plan(dueAt - 1000, dueAt + 299_000).due;
    expect(due.map((d) => [d.executionName, d.dueAt.getTime(), d.occurrence.getTime()])).toEqual([['ar11-lab-20260329T0130Z', dueAt, occurrence]]);
    expect(plan(dueAt, dueAt + 300_000).due).toEqual([]);
  });

  it('jitter spreads devices over the window', () => {
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => Math.floor(jitterOffsetSeconds(`device-${i}`, 60) / 300)));
    expect(offsets.size).toBeGreaterThanOrEqual(8); // 50 devices over twelve 5-minute slots
    expect(jitterOffsetSeconds('device-1', 0)).toBe(0);
  });

  it('orders the plan by due time, then device id', () => {
    const plan = planDispatch({
      devices: [
        { id: 'b', schedule: { rrule: 'FREQ=HOURLY;BYMINUTE=10' } },
        { id: 'c', schedule: { rrule: 'FREQ=HOURLY;BYMINUTE=5' } },
        { id: 'a', schedule: { rrule: 'FREQ=HOURLY;BYMINUTE=10' } },
      ],
      lastTick: at('2026-01-01T00:00:00Z'),
      now: at('2026-01-01T00:15:00Z'),
      running: none,
    });
    expect(plan.due.map((d) => d.deviceId)).toEqual(['c', 'a', 'b']);
  });

  it('refuses nonsense options', () => {
    expect(() => planDispatch({ devices, lastTick: undefined, now: at('2026-01-01T00:00:00Z'), running: none, jitterMinutes: -1 })).toThrow(RangeError);
    expect(() => planDispatch({ devices, lastTick: undefined, now: at('2026-01-01T00:00:00Z'), running: none, maxLatenessMinutes: Number.NaN })).toThrow(RangeError);
  });
});

describe('executionNameFor', () => {
  it('is <deviceId>-<YYYYMMDDTHHMMZ> in UTC, a valid Step Functions name even for the longest device id', () => {
    const id = 'a'.repeat(40);
    const name = executionNameFor(id, at('2026-03-29T01:30:00Z'));
    expect(name).toBe(`${id}-20260329T0130Z`);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses ids that cannot make a valid name', () => {
    expect(() => executionNameFor('ar11 lab', at('2026-03-29T01:30:00Z'))).toThrow(/cannot make an execution name/);
    expect(() => executionNameFor('x'.repeat(70), at('2026-03-29T01:30:00Z'))).toThrow(/cannot make an execution name/);
  });
});
