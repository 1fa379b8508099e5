import { describe, expect, it } from 'vitest';
import { uniqueManualExecutionName } from '../../../cli/local/run-backups';

describe('uniqueManualExecutionName', () => {
  it('never gives one device the same name twice within a second (the run id, and so the archive key, derive from it)', () => {
    const at = new Date('2026-12-05T09:08:58.100Z');
    const first = uniqueManualExecutionName('unique-name-dev', at);
    const second = uniqueManualExecutionName('unique-name-dev', new Date('2026-12-05T09:08:58.900Z'));
    expect(first).toBe('unique-name-dev-manual-20261205T090858Z');
    expect(second).toBe('unique-name-dev-manual-20261205T090859Z');
    expect(uniqueManualExecutionName('unique-name-other', at)).toBe('unique-name-other-manual-20261205T090858Z');
  });
});
