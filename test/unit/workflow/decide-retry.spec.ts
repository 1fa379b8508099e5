import { describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../lambdas/common/errors';
import { silentLog } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import { decideRetry, decideRetryStep, RERUNNABLE_ERRORS } from '../../../lambdas/workflow/decide-retry';
import type { StepDeps } from '../../../lambdas/workflow/deps';
import { runIdFor } from '../../../lambdas/workflow/run-id';
import { NEVER_RETRIED } from '../../../infra/constructs/backup-workflow-policy';

const now = new Date('2026-11-22T02:30:00Z');
const deadline = new Date('2026-11-22T14:00:00Z');
const retry = { attempts: 2, delayMinutes: 10 };

describe('decideRetry', () => {
  it.each(RERUNNABLE_ERRORS)('re-runs after %s while attempts are left, waiting delayMinutes', (errorName) => {
    expect(decideRetry({ attempt: 1, errorName, retry, now, deadline })).toEqual({
      rerun: true,
      nextAttempt: 2,
      waitSeconds: 600,
      reason: `${errorName}: run 2 of 3 in 600 s`,
    });
    expect(decideRetry({ attempt: 2, errorName, retry, now, deadline })).toMatchObject({ rerun: true, nextAttempt: 3 });
  });

  it('stops once retry.attempts re-runs are used', () => {
    expect(decideRetry({ attempt: 3, errorName: 'DeviceBusy', retry, now, deadline })).toEqual({ rerun: false, reason: 'all 2 re-runs (retry.attempts) used' });
  });

  it('never re-runs a device without retry, or with attempts 0', () => {
    expect(decideRetry({ attempt: 1, errorName: 'DeviceBusy', retry: undefined, now, deadline })).toEqual({ rerun: false, reason: 'the device has no retry.attempts' });
    expect(decideRetry({ attempt: 1, errorName: 'DeviceBusy', retry: { attempts: 0, delayMinutes: 5 }, now, deadline }).rerun).toBe(false);
  });

  it.each([
    ERROR_NAMES.authentication,
    ERROR_NAMES.tls,
    ERROR_NAMES.hostKey,
    ERROR_NAMES.config,
    ERROR_NAMES.secret,
    ERROR_NAMES.protocol,
    ERROR_NAMES.rejected,
    ERROR_NAMES.integrity,
    'States.Runtime',
    'Unknown',
  ])('never re-runs %s', (errorName) => {
    const decision = decideRetry({ attempt: 1, errorName, retry: { attempts: 10, delayMinutes: 0 }, now, deadline });
    expect(decision).toEqual({ rerun: false, reason: `${errorName} is not cured by running the backup again` });
  });

  it('re-runs exactly the errors the brief names: busy, unreachable, device-failed, timed out', () => {
    expect([...RERUNNABLE_ERRORS].sort()).toEqual(['DeviceBusy', 'DeviceOperationFailed', 'DeviceUnreachable', 'OperationTimedOut']);
    // The per-state Retry rules never retry these two; only a whole new run may cure them.
    expect(NEVER_RETRIED).toContain('DeviceOperationFailed');
    expect(NEVER_RETRIED).toContain('OperationTimedOut');
  });

  it('does not start a re-run that the execution timeout would cut off', () => {
    const soon = new Date(now.getTime() + 10 * 60_000 + 30_000);
    expect(decideRetry({ attempt: 1, errorName: 'DeviceBusy', retry, now, deadline: soon })).toMatchObject({
      rerun: false,
      reason: expect.stringContaining('workflow.timeoutHours'),
    });
  });
});

describe('decideRetryStep', () => {
  const config = parseConfig({
    archive: {},
    workflow: { timeoutHours: 2 },
    devices: [{ id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/s', retry: { attempts: 1, delayMinutes: 5 } }],
  });
  const deps = { config, log: silentLog, now: () => now } as unknown as StepDeps;
  const input = { deviceId: 'ar11-lab', occurrence: '2026-11-22T02:00:00Z', trigger: 'schedule' as const };

  it('re-runs with the execution input and the next attempt, reading the attempt from the failed run state', async () => {
    const result = await decideRetryStep(
      { state: { deviceId: 'ar11-lab', attempt: 1, error: { Error: 'DeviceUnreachable', Cause: 'ar11-lab: refused' } }, input, executionStartTime: '2026-11-22T02:00:00Z' },
      deps,
    );
    expect(result).toEqual({ decision: 'rerun', reason: 'DeviceUnreachable: run 2 of 2 in 300 s', waitSeconds: 300, next: { ...input, attempt: 2 } });
  });

  it('fails once the attempt in the re-run input is the last', async () => {
    const result = await decideRetryStep(
      { state: { error: { Error: 'DeviceBusy', Cause: 'busy' } }, input: { ...input, attempt: 2 }, executionStartTime: '2026-11-22T02:00:00Z' },
      deps,
    );
    expect(result).toMatchObject({ decision: 'fail', waitSeconds: 0, reason: 'all 1 re-run (retry.attempts) used' });
  });

  it('counts the deadline from the execution start and workflow.timeoutHours', async () => {
    // Started 01:00, timeout 2 h: until 03:00; now 02:30 + 5 min wait + 1 min fits. Started 00:35: until 02:35, it does not.
    const fits = await decideRetryStep({ state: { attempt: 1, error: { Error: 'DeviceBusy' } }, input, executionStartTime: '2026-11-22T01:00:00Z' }, deps);
    const late = await decideRetryStep({ state: { attempt: 1, error: { Error: 'DeviceBusy' } }, input, executionStartTime: '2026-11-22T00:35:00Z' }, deps);
    expect(fits.decision).toBe('rerun');
    expect(late.decision).toBe('fail');
  });
});

describe('runIdFor', () => {
  it('keeps the first attempt\'s id and gives every re-run its own', () => {
    const name = 'ar11-lab-20261122T0200Z';
    expect(runIdFor(name, 1)).toBe(runIdFor(name));
    const ids = [1, 2, 3].map((a) => runIdFor(name, a));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{10}$/);
  });
});
