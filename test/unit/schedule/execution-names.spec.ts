import { describe, expect, it } from 'vitest';
import {
  deviceIdFromExecutionName,
  executionNameFor,
  manualExecutionName,
  parseExecutionName,
  restoreExecutionName,
} from '../../../lambdas/schedule/execution-names';

const at = new Date('2026-11-22T08:15:42.250Z');

describe('execution names: made and read in one place', () => {
  it.each([
    // The scheduled format is the exactly-once key of deployed stacks: it must never change.
    ['scheduled', executionNameFor('ar11-lab', at), 'ar11-lab-20261122T0815Z', new Date('2026-11-22T08:15:00Z')],
    ['manual', manualExecutionName('ar11-lab', at), 'ar11-lab-manual-20261122T081542Z', new Date('2026-11-22T08:15:42Z')],
    ['restore', restoreExecutionName('ar11-lab', at, false), 'ar11-lab-restore-20261122T081542Z', new Date('2026-11-22T08:15:42Z')],
    ['plan', restoreExecutionName('ar11-lab', at, true), 'ar11-lab-plan-20261122T081542Z', new Date('2026-11-22T08:15:42Z')],
  ])('a %s name reads back as what made it', (kind, name, expected, when) => {
    expect(name).toBe(expected);
    expect(parseExecutionName(name)).toEqual({ deviceId: 'ar11-lab', kind, at: when });
  });

  it('reads the device of backup executions only, and of nothing else', () => {
    expect(deviceIdFromExecutionName('fg-east-2-20261122T0815Z')).toBe('fg-east-2');
    expect(deviceIdFromExecutionName('fg-east-2-manual-20261122T081542Z')).toBe('fg-east-2');
    expect(deviceIdFromExecutionName('fg-east-2-restore-20261122T081542Z')).toBeUndefined();
    expect(deviceIdFromExecutionName('4f9e8c52-1b7a-4a43-9a55-1d1f0e6c2b11')).toBeUndefined();
    expect(parseExecutionName('ar11-lab-20261399T0815Z')).toBeUndefined();
  });

  it('fits Step Functions names (80 characters of A-Z a-z 0-9 - _) for the longest device id', () => {
    const id = 'a'.repeat(40);
    for (const name of [executionNameFor(id, at), manualExecutionName(id, at), restoreExecutionName(id, at, false)]) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  it('refuses an id no name can hold', () => {
    expect(() => manualExecutionName('ar11 lab', at)).toThrow(/cannot make an execution name/);
    expect(() => restoreExecutionName('x'.repeat(70), at, true)).toThrow(/cannot make an execution name/);
  });
});
