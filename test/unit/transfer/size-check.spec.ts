import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../lambdas/common/errors';
import { checkAgainstPrevious, checkFinalSize, checkRunningSize } from '../../../lambdas/transfer/size-check';

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
    { expected: undefined, how: 'and it announced no size' },
    { expected: 0, how: 'as it announced' },
  ])('an empty stream is never a backup (announced $expected)', ({ expected, how }) => {
    const error = checkFinalSize('fg-east', expected, 0);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error?.message).toBe(`fg-east: the device sent an empty backup (0 bytes, ${how}); nothing was stored`);
  });

  it.each([
    { expected: undefined, total: 123, problem: undefined },
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

describe('checkAgainstPrevious', () => {
  const previous = { key: 'backups/ar11/2026/01/01/20260101T020000Z-abc.tgz', size: 50_000_000 };
  it.each([
    { size: 25_000_000, previous, ratio: 0.5, fails: false },
    { size: 24_999_999, previous, ratio: 0.5, fails: true },
    { size: 1, previous, ratio: 0, fails: false },
    { size: 1, previous: undefined, ratio: 0.5, fails: false },
    { size: 3_000_000, previous, ratio: 0.05, fails: false },
    { size: 2_000_000, previous, ratio: 0.05, fails: true },
  ])('$size bytes after $previous.size at ratio $ratio -> fails: $fails', ({ size, previous: before, ratio, fails }) => {
    const error = checkAgainstPrevious('ar11', size, before, ratio);
    if (!fails) return expect(error).toBeUndefined();
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error?.message).toMatch(new RegExp(`^ar11: the backup has ${size} bytes, .*previous good backup's 50000000 bytes \\(${before!.key}\\).*devices\\[\\]\\.minSizeRatio`));
  });
});
