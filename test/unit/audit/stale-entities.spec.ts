import { describe, expect, it } from 'vitest';
import { auditCutoff, judgeEntities } from '../../../lambdas/audit/stale-entities';

const NOW = new Date('2026-11-22T12:00:00Z');
const hoursAgo = (h: number) => NOW.getTime() - h * 3_600_000;

describe('judgeEntities', () => {
  it.each([
    { name: 'fresh SUCCESS', backups: [{ guid: 'b1', status: 'SUCCESS', time: hoursAgo(1) }], stale: false },
    { name: 'SUCCESS exactly at the cutoff counts', backups: [{ guid: 'b1', status: 'SUCCESS', time: hoursAgo(24) }], stale: false },
    { name: 'SUCCESS just older than the cutoff', backups: [{ guid: 'b1', status: 'SUCCESS', time: hoursAgo(24) - 1 }], stale: true },
    { name: 'only a fresh PARTIAL_SUCCESS', backups: [{ guid: 'b1', status: 'PARTIAL_SUCCESS', time: hoursAgo(1) }], stale: true },
    { name: 'a fresh SUCCESS of another entity (server ignored the filter)', backups: [{ guid: 'b1', status: 'SUCCESS', entity: 'other', time: hoursAgo(1) }], stale: true },
    { name: 'a SUCCESS without a time', backups: [{ guid: 'b1', status: 'SUCCESS' }], stale: true },
    { name: 'nothing listed', backups: [], stale: true },
  ])('$name -> stale $stale', ({ backups, stale }) => {
    const report = judgeEntities({ now: NOW, maxAgeHours: 24, entities: [{ guid: 'vm1', backups }] });
    expect(report.entities[0]!.stale).toBe(stale);
    expect(report.stale).toEqual(stale ? ['vm1'] : []);
  });

  it('reports the newest SUCCESS with its age, and the cutoff', () => {
    const report = judgeEntities({
      now: NOW,
      maxAgeHours: 12,
      entities: [{ guid: 'vm1', name: 'db', backups: [{ guid: 'old', status: 'SUCCESS', time: hoursAgo(40) }, { guid: 'new', status: 'SUCCESS', time: hoursAgo(30) }] }],
    });
    expect(report).toEqual({
      checkedAt: NOW.toISOString(),
      maxAgeHours: 12,
      cutoff: '2026-11-22T00:00:00.000Z',
      entities: [{ entity: 'vm1', name: 'db', stale: true, lastSuccess: { guid: 'new', at: '2026-11-21T06:00:00.000Z', ageHours: 30 } }],
      stale: ['vm1'],
    });
  });

  it('refuses a non-positive age', () => {
    expect(() => auditCutoff(NOW, 0)).toThrow(/positive number of hours/);
    expect(() => auditCutoff(NOW, Number.NaN)).toThrow(/positive number of hours/);
  });
});
