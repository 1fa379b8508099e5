import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatInstant, occurrencesBetween, parseSchedule } from '../../../lambdas/schedule';

/**
 * Instant-for-instant agreement with an independent RFC 5545 implementation (python-dateutil +
 * zoneinfo), over rules x zones x windows around each zone's DST transitions. The fixture and
 * the reasons the two must agree are in fixtures/generate-dateutil.py, which regenerates it.
 */

interface Case {
  id: string;
  zone: string;
  rule: string;
  /** Local DTSTART (YYYYMMDDTHHMMSS), or null: the rule is given bare and the runner's anchor applies. */
  dtstart: string | null;
  from: string;
  to: string;
  expected: string[];
}

const table = JSON.parse(readFileSync(new URL('./fixtures/dateutil-table.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('agreement with python-dateutil (independent RFC 5545 implementation)', () => {
  it('the table is broad: many rules, zones and occurrences', () => {
    expect(new Set(table.cases.map((c) => c.id)).size).toBeGreaterThanOrEqual(30);
    expect(new Set(table.cases.map((c) => c.zone)).size).toBeGreaterThanOrEqual(10);
    expect(table.cases.reduce((n, c) => n + c.expected.length, 0)).toBeGreaterThan(10_000);
  });

  const byZone = new Map<string, Case[]>();
  for (const c of table.cases) byZone.set(c.zone, [...(byZone.get(c.zone) ?? []), c]);
  for (const [zone, cases] of byZone) {
    it(`${zone}: ${cases.length} rule windows`, () => {
      const mismatches: string[] = [];
      for (const c of cases) {
        const schedule = c.dtstart === null ? parseSchedule(c.rule, c.zone) : parseSchedule(`DTSTART;TZID=${c.zone}:${c.dtstart}\nRRULE:${c.rule}`);
        const actual = occurrencesBetween(schedule, new Date(c.from), new Date(c.to)).map(formatInstant);
        if (JSON.stringify(actual) !== JSON.stringify(c.expected)) {
          const missing = c.expected.filter((x) => !actual.includes(x));
          const extra = actual.filter((x) => !c.expected.includes(x));
          mismatches.push(`${c.id} ${c.rule} [${c.from}, ${c.to}): missing ${missing.slice(0, 5).join(' ')} extra ${extra.slice(0, 5).join(' ')}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});
