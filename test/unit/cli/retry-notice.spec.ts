import { describe, expect, it } from 'vitest';
import { nextRetry, retryNoticeLine, retryTracker, statesByName, type Retrier } from '../../../cli/local/retry-notice';
import { DeviceBusy, DeviceUnreachable, AuthenticationFailed } from '../../../lambdas/common/errors';

const RULES: Retrier[] = [
  { ErrorEquals: ['DeviceBusy'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 5 },
  { ErrorEquals: ['DeviceUnreachable'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 4 },
];

describe('nextRetry follows the ASL Retry rules', () => {
  it('backs off per rule, counts attempts per rule, and ends when the rule is used up', () => {
    const used: number[] = [];
    const waits = [1, 2, 3, 4, 5].map(() => nextRetry(RULES, used, 'DeviceUnreachable', { isTask: true }));
    expect(waits.map((w) => w && [w.nextInSeconds, w.attempt, w.attempts])).toEqual([[30, 2, 5], [60, 3, 5], [120, 4, 5], [240, 5, 5], undefined]);
    expect(nextRetry(RULES, used, 'DeviceBusy', { isTask: true })).toMatchObject({ nextInSeconds: 60, attempt: 2, attempts: 6 });
  });

  it('no matching rule: no retry; States.ALL and States.TaskFailed match; MaxDelaySeconds caps; overrides replace the interval', () => {
    expect(nextRetry(RULES, [], 'AuthenticationFailed', { isTask: true })).toBeUndefined();
    expect(nextRetry([{ ErrorEquals: ['States.ALL'] }], [], 'X', { isTask: false })).toMatchObject({ nextInSeconds: 1, attempt: 2, attempts: 4 });
    expect(nextRetry([{ ErrorEquals: ['States.TaskFailed'] }], [], 'X', { isTask: true })).toBeDefined();
    expect(nextRetry([{ ErrorEquals: ['States.TaskFailed'] }], [], 'X', { isTask: false })).toBeUndefined();
    expect(nextRetry([{ ErrorEquals: ['E'], IntervalSeconds: 100, MaxDelaySeconds: 10 }], [], 'E', { isTask: true })?.nextInSeconds).toBe(10);
    expect(nextRetry(RULES, [], 'DeviceUnreachable', { isTask: true, intervalOverrideMs: 1500 })?.nextInSeconds).toBe(1.5);
    expect(nextRetry([{ ErrorEquals: ['E'], JitterStrategy: 'FULL' }], [], 'E', { isTask: true })?.jitter).toBe(true);
  });
});

describe('retryTracker', () => {
  const definition = { States: { Start: { Type: 'Task', Retry: RULES }, Inner: { Type: 'Parallel', Branches: [{ States: { Deep: { Type: 'Task', Retry: RULES } } }] } } };

  it('finds nested states', () => {
    expect([...statesByName(definition).keys()]).toEqual(['Start', 'Inner', 'Deep']);
  });

  it('one notice per retried failure; a success or another state starts the count over', () => {
    const tracker = retryTracker(definition, 'ar11');
    const first = tracker.failed('Start', new DeviceUnreachable('connection refused', { deviceId: 'ar11' }));
    expect(first).toMatchObject({ deviceId: 'ar11', state: 'Start', error: 'DeviceUnreachable', message: 'connection refused', nextInSeconds: 30, attempt: 2, attempts: 5 });
    expect(retryNoticeLine(first!)).toBe('ar11: Start failed (DeviceUnreachable: connection refused); next try in 30 s (attempt 2 of 5)');
    expect(tracker.failed('Start', new DeviceUnreachable('again'))?.attempt).toBe(3);
    tracker.succeeded('Start');
    expect(tracker.failed('Start', new DeviceUnreachable('later'))?.attempt).toBe(2);
    expect(tracker.failed('Deep', new DeviceBusy('busy'))).toMatchObject({ attempt: 2, nextInSeconds: 60 });
    expect(tracker.failed('Start', new AuthenticationFailed('no'))).toBeUndefined();
  });
});
