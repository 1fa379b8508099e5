import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../lambdas/common/errors';
import { checkFinalSize, checkRunningSize } from '../../../lambdas/transfer/size-check';

describe('checkRunningSize', () => {
  it.each([
    { expected: undefined, soFar: 10 ** 12, fails: false },
    { expected: 100, soFar: 0, fails: false },
    { expected: 100, soFar: 100, fails: false },
    { expected: 100, soFar: 101, fails: true },
    { expected: 0, soFar: 1, fails: true },
  ])('expected $expected, $soFar so far -> fails: $fails', ({ expected, soFar, fails }) => {
    const error = checkRunningSize('ar11-lab', expected, soFar);
    if (!fails) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error?.deviceId).toBe('ar11-lab');
    expect(error?.message).toMatch(/^ar11-lab: /);
    expect(error?.message).toContain(`more bytes than the ${expected}`);
    expect(error?.message).toContain(`${soFar} received`);
  });
});

describe('checkFinalSize', () => {
  it.each([
    { expected: undefined, total: 0, problem: undefined },
    { expected: undefined, total: 123, problem: undefined },
    { expected: 0, total: 0, problem: undefined },
    { expected: 100, total: 100, problem: undefined },
    { expected: 100, total: 99, problem: 'ended early: expected 100 bytes, received 99' },
    { expected: 100, total: 0, problem: 'ended early: expected 100 bytes, received 0' },
    { expected: 100, total: 101, problem: 'is too long: expected 100 bytes, received 101' },
  ])('expected $expected, total $total -> $problem', ({ expected, total, problem }) => {
    const error = checkFinalSize('fg-east', expected, total);
    if (problem === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error?.name).toBe('IntegrityError');
    expect(error?.message).toBe(`fg-east: the backup stream ${problem}; nothing was stored`);
  });
});
