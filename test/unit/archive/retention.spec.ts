import { describe, expect, it } from 'vitest';
import { isoWeek, periodKey } from '../../../lambdas/archive/calendar';
import {
  INCOMPLETE_GRACE_MS,
  planRetention,
  type RetentionBackup,
  type RetentionIncomplete,
  type RetentionInput,
  type RetentionPlan,
  type RetentionPolicy,
} from '../../../lambdas/archive/retention';
import { effectiveRetention, retentionTimeZone } from '../../../lambdas/archive/retention-policy';
import { parseConfig } from '../../../lambdas/config/load';

const NOW = new Date('2026-11-25T12:00:00Z');

function backup(iso: string, extra: Partial<RetentionBackup> = {}): RetentionBackup {
  const key = `backups/ar11/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.replace(/[-:]/g, '').replace(/\.\d+/, '')}-r.tar.gz`;
  return { key, manifestKey: `${key}.manifest.json`, time: new Date(iso), size: 100, ...extra };
}

function plan(backups: RetentionBackup[], policy: RetentionPolicy | undefined, extra: Partial<RetentionInput> = {}): RetentionPlan {
  return planRetention({ deviceId: 'ar11', backups, incomplete: [], policy, timeZone: 'UTC', now: NOW, runSucceeded: true, ...extra });
}

const timesOf = (entries: RetentionPlan['keep']) => entries.map((e) => (e.kind === 'backup' ? e.time.toISOString() : e.key));
const reasonsOf = (p: RetentionPlan) => Object.fromEntries(p.keep.map((e) => [e.kind === 'backup' ? e.time.toISOString() : e.key, e.reasons]));

describe('calendar periods', () => {
  it.each([
    ['2026-11-22', 2026, 47], // Sunday: still the week that began on Monday the 16th
    ['2026-11-23', 2026, 48], // Monday starts a new ISO week
    ['2026-12-31', 2026, 53],
    ['2027-01-01', 2026, 53], // belongs to the week-year of its Thursday
    ['2027-01-03', 2026, 53],
    ['2027-01-04', 2027, 1],
    ['2025-12-29', 2026, 1],
  ])('ISO week of %s is %i-W%i (checked with Python isocalendar)', (date, year, week) => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    expect(isoWeek({ year: y, month: m, day: d })).toEqual({ year, week });
  });

  it('reads periods on the wall clock of the zone', () => {
    const instant = new Date('2026-12-31T23:30:00Z');
    expect(periodKey('daily', instant, 'UTC')).toBe('2026-12-31');
    expect(periodKey('daily', instant, 'Europe/Budapest')).toBe('2027-01-01');
    expect(periodKey('monthly', instant, 'Europe/Budapest')).toBe('2027-01');
    expect(periodKey('yearly', instant, 'Europe/Budapest')).toBe('2027');
    expect(periodKey('weekly', instant, 'Europe/Budapest')).toBe('2026-W53');
    expect(periodKey('daily', new Date('2026-11-21T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-20');
  });
});

describe('planRetention: rules', () => {
  const five = ['2026-11-21T02:00:00Z', '2026-11-22T02:00:00Z', '2026-11-23T02:00:00Z', '2026-11-24T02:00:00Z', '2026-11-25T02:00:00Z'].map((t) => backup(t));

  it('keepLast 2 keeps the two newest and deletes the rest, manifest before object', () => {
    const p = plan(five, { keepLast: 2 });
    expect(timesOf(p.keep)).toEqual(['2026-11-25T02:00:00.000Z', '2026-11-24T02:00:00.000Z']);
    expect(reasonsOf(p)).toEqual({
      '2026-11-25T02:00:00.000Z': ['newest good backup', 'keepLast 2 (1 of 2)'],
      '2026-11-24T02:00:00.000Z': ['keepLast 2 (2 of 2)'],
    });
    expect(timesOf(p.delete)).toEqual(['2026-11-23T02:00:00.000Z', '2026-11-22T02:00:00.000Z', '2026-11-21T02:00:00.000Z']);
    for (const entry of p.delete) {
      expect(entry.reasons).toEqual(['matches no keep rule of keepLast 2']);
      expect(entry.keys).toEqual([`${entry.key}.manifest.json`, entry.key]);
    }
  });

  it('keepDaily keeps the newest backup of each of the last N days that have one (empty days do not count)', () => {
    const history = [
      backup('2026-11-25T02:00:00Z'),
      backup('2026-11-25T01:00:00Z'),
      backup('2026-11-23T22:00:00Z'),
      backup('2026-11-23T02:00:00Z'),
      backup('2026-11-20T02:00:00Z'),
      backup('2026-11-19T02:00:00Z'),
    ];
    const p = plan(history, { keepDaily: 3 });
    expect(reasonsOf(p)).toEqual({
      '2026-11-25T02:00:00.000Z': ['newest good backup', 'daily 2026-11-25'],
      '2026-11-23T22:00:00.000Z': ['daily 2026-11-23'],
      '2026-11-20T02:00:00.000Z': ['daily 2026-11-20'],
    });
    expect(timesOf(p.delete)).toEqual(['2026-11-25T01:00:00.000Z', '2026-11-23T02:00:00.000Z', '2026-11-19T02:00:00.000Z']);
  });

  it('counts days in the device time zone', () => {
    // 22:30Z and 23:30Z are the same UTC day, but the 20th and the 21st in Budapest (UTC+1).
    const history = [backup('2026-11-20T23:30:00Z'), backup('2026-11-20T22:30:00Z'), backup('2026-11-19T12:00:00Z')];
    expect(timesOf(plan(history, { keepDaily: 2 }).keep)).toEqual(['2026-11-20T23:30:00.000Z', '2026-11-19T12:00:00.000Z']);
    const budapest = plan(history, { keepDaily: 2 }, { timeZone: 'Europe/Budapest' });
    expect(timesOf(budapest.keep)).toEqual(['2026-11-20T23:30:00.000Z', '2026-11-20T22:30:00.000Z']);
    expect(reasonsOf(budapest)['2026-11-20T23:30:00.000Z']).toContain('daily 2026-11-21');
  });

  it('weeks start on Monday (ISO 8601)', () => {
    // Sunday the 22nd and Monday the 23rd are different weeks; Monday the 16th shares Sunday's.
    const history = [backup('2026-11-23T02:00:00Z'), backup('2026-11-22T02:00:00Z'), backup('2026-11-16T02:00:00Z'), backup('2026-11-15T02:00:00Z')];
    const p = plan(history, { keepWeekly: 3 });
    expect(reasonsOf(p)).toEqual({
      '2026-11-23T02:00:00.000Z': ['newest good backup', 'weekly 2026-W48'],
      '2026-11-22T02:00:00.000Z': ['weekly 2026-W47'],
      '2026-11-15T02:00:00.000Z': ['weekly 2026-W46'],
    });
  });

  it('combines rules: a backup kept by any rule is kept, with every reason', () => {
    const history = [
      backup('2026-11-25T02:00:00Z'),
      backup('2026-11-24T02:00:00Z'),
      backup('2026-10-31T02:00:00Z'),
      backup('2026-10-15T02:00:00Z'),
      backup('2025-12-31T02:00:00Z'),
      backup('2025-06-01T02:00:00Z'),
    ];
    const p = plan(history, { keepLast: 1, keepDaily: 2, keepMonthly: 2, keepYearly: 2 });
    expect(reasonsOf(p)).toEqual({
      '2026-11-25T02:00:00.000Z': ['newest good backup', 'keepLast 1 (1 of 1)', 'daily 2026-11-25', 'monthly 2026-11', 'yearly 2026'],
      '2026-11-24T02:00:00.000Z': ['daily 2026-11-24'],
      '2026-10-31T02:00:00.000Z': ['monthly 2026-10'],
      '2025-12-31T02:00:00.000Z': ['yearly 2025'],
    });
    expect(timesOf(p.delete)).toEqual(['2026-10-15T02:00:00.000Z', '2025-06-01T02:00:00.000Z']);
    expect(p.delete[0]!.reasons).toEqual(['matches no keep rule of keepLast 1, keepDaily 2, keepMonthly 2, keepYearly 2']);
  });

  it('never deletes a backup under Object Lock retention before it expires', () => {
    const history = [
      backup('2026-11-25T02:00:00Z'),
      backup('2026-11-24T02:00:00Z', { retainUntil: new Date('2026-12-01T00:00:00Z') }),
      backup('2026-11-23T02:00:00Z', { retainUntil: NOW }), // expires now: may go
      backup('2026-11-22T02:00:00Z', { retainUntil: new Date('2026-11-01T00:00:00Z') }),
    ];
    const p = plan(history, { keepLast: 1 });
    expect(reasonsOf(p)['2026-11-24T02:00:00.000Z']).toEqual(['locked until 2026-12-01T00:00:00Z']);
    expect(timesOf(p.delete)).toEqual(['2026-11-23T02:00:00.000Z', '2026-11-22T02:00:00.000Z']);
  });

  it('deletes objects without a manifest only once they are older than 24 h', () => {
    const incomplete: RetentionIncomplete[] = [
      { key: 'backups/ar11/young', lastModified: new Date(NOW.getTime() - INCOMPLETE_GRACE_MS + 1000) },
      { key: 'backups/ar11/exactly-24h', lastModified: new Date(NOW.getTime() - INCOMPLETE_GRACE_MS) },
      { key: 'backups/ar11/old', lastModified: new Date(NOW.getTime() - INCOMPLETE_GRACE_MS - 1000), size: 7 },
    ];
    const p = plan(five, { keepLast: 5 }, { incomplete });
    expect(p.delete).toEqual([
      { kind: 'incomplete', key: 'backups/ar11/old', lastModified: incomplete[2]!.lastModified, size: 7, keys: ['backups/ar11/old'], reasons: ['incomplete upload older than 24 h'] },
    ]);
    expect(reasonsOf(p)['backups/ar11/young']).toEqual(['incomplete upload younger than 24 h: its manifest may still come']);
    expect(reasonsOf(p)['backups/ar11/exactly-24h']).toBeDefined();
  });

  it('prunes nothing after a failed run, but says what would have gone', () => {
    const incomplete = [{ key: 'backups/ar11/old', lastModified: new Date('2026-11-01T00:00:00Z') }];
    const p = plan(five, { keepLast: 2 }, { runSucceeded: false, incomplete });
    expect(p.delete).toEqual([]);
    expect(p.keep).toHaveLength(6);
    expect(reasonsOf(p)['2026-11-21T02:00:00.000Z']).toEqual(['the run failed: nothing is pruned after a failed run', 'would go: matches no keep rule of keepLast 2']);
    expect(reasonsOf(p)['backups/ar11/old']).toEqual(['the run failed: nothing is pruned after a failed run', 'would go: incomplete upload older than 24 h']);
  });

  it.each([undefined, {}, { keepLast: undefined }])('keeps everything without a policy (%j), incomplete objects too', (policy) => {
    const incomplete = [{ key: 'backups/ar11/old', lastModified: new Date('2026-01-01T00:00:00Z') }];
    const p = plan(five, policy, { incomplete });
    expect(p.delete).toEqual([]);
    expect(p.keep).toHaveLength(6);
    expect(p.keep.every((e) => e.reasons.includes('no retention policy: everything is kept'))).toBe(true);
  });

  it('keeps the newest committed backup whatever the rules, and handles an empty archive', () => {
    expect(plan([], { keepLast: 1 })).toEqual({ deviceId: 'ar11', keep: [], delete: [] });
    // A future-dated backup (clock skew) is still the newest one.
    const p = plan([backup('2027-01-01T00:00:00Z'), ...five], { keepYearly: 1 });
    expect(reasonsOf(p)['2027-01-01T00:00:00.000Z']).toEqual(['newest good backup', 'yearly 2027']);
    expect(p.keep).toHaveLength(1);
  });

  it('is independent of the input order', () => {
    const shuffled = [five[2]!, five[0]!, five[4]!, five[1]!, five[3]!];
    expect(plan(shuffled, { keepLast: 2, keepDaily: 1 })).toEqual(plan(five, { keepLast: 2, keepDaily: 1 }));
  });
});

describe('effectiveRetention', () => {
  const config = parseConfig({
    archive: { retention: { keepLast: 7, keepDaily: 14 } },
    devices: [
      { id: 'a', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/s', retention: { keepDaily: 30, keepYearly: 2 } },
      { id: 'b', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 'backup-runner/s', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'Europe/Budapest' } },
    ],
  });
  const none = parseConfig({ archive: {}, devices: [{ id: 'c', type: 'riverbed-npm-v1', url: 'https://c.example.net', secret: 'backup-runner/s' }] });

  it('overrides the archive policy field by field', () => {
    expect(effectiveRetention(config, config.devices[0]!)).toEqual({ keepLast: 7, keepDaily: 30, keepYearly: 2 });
    expect(effectiveRetention(config, config.devices[1]!)).toEqual({ keepLast: 7, keepDaily: 14 });
  });

  it('is undefined when nothing is set', () => {
    expect(effectiveRetention(none, none.devices[0]!)).toBeUndefined();
  });

  it('takes the schedule time zone, else UTC', () => {
    expect(retentionTimeZone(config.devices[1]!)).toBe('Europe/Budapest');
    expect(retentionTimeZone(config.devices[0]!)).toBe('UTC');
  });
});

/** mulberry32: a small seeded PRNG, so a failing history can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ['UTC', 'Europe/Budapest', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland'];
const FIELDS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

function randomInput(seed: number): RetentionInput {
  const random = rng(seed);
  const int = (max: number) => Math.floor(random() * max);
  const count = int(40);
  // Bursts (several a day), gaps (months) and spans of years, so every rule finds work.
  const spanMs = [3, 60, 800, 2000][int(4)]! * 86_400_000;
  const backups: RetentionBackup[] = [];
  for (let i = 0; i < count; i++) {
    const time = new Date(NOW.getTime() - int(spanMs / 60_000) * 60_000);
    const b = backup(time.toISOString(), random() < 0.15 ? { retainUntil: new Date(NOW.getTime() + (int(20) - 10) * 86_400_000) } : {});
    b.key = `${b.key}-${i}`; // unique even when two times collide
    b.manifestKey = `${b.key}.manifest.json`;
    backups.push(b);
  }
  const incomplete = Array.from({ length: int(4) }, (_, i) => ({ key: `backups/ar11/incomplete-${i}`, lastModified: new Date(NOW.getTime() - int(72) * 3_600_000) }));
  const policy: RetentionPolicy = {};
  if (random() > 0.1) for (const f of FIELDS) if (random() < 0.5) policy[f] = 1 + int(6);
  return { deviceId: 'ar11', backups, incomplete, policy, timeZone: ZONES[int(ZONES.length)]!, now: NOW, runSucceeded: random() < 0.8 };
}

/** restic's rule, formulated independently: for each rule, group by period, take the newest of the newest N periods. */
function referenceKept(input: RetentionInput): Set<string> {
  const sorted = [...input.backups].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.key < b.key ? 1 : -1));
  const kept = new Set<string>();
  if (!FIELDS.some((f) => input.policy?.[f] !== undefined)) return new Set(sorted.map((b) => b.key));
  sorted.slice(0, input.policy?.keepLast ?? 0).forEach((b) => kept.add(b.key));
  for (const [field, unit] of [['keepDaily', 'daily'], ['keepWeekly', 'weekly'], ['keepMonthly', 'monthly'], ['keepYearly', 'yearly']] as const) {
    const newestByPeriod = new Map<string, RetentionBackup>();
    for (const b of sorted) {
      const period = periodKey(unit, b.time, input.timeZone);
      if (!newestByPeriod.has(period)) newestByPeriod.set(period, b);
    }
    [...newestByPeriod.values()]
      .sort((a, b) => b.time.getTime() - a.time.getTime())
      .slice(0, input.policy?.[field] ?? 0)
      .forEach((b) => kept.add(b.key));
  }
  if (sorted[0]) kept.add(sorted[0].key);
  for (const b of sorted) if (b.retainUntil && b.retainUntil > input.now) kept.add(b.key);
  return kept;
}

describe('planRetention: properties on random histories', () => {
  const seeds = Array.from({ length: 400 }, (_, i) => 1000 + i);

  it('keeps the invariants and matches the reference rule', () => {
    for (const seed of seeds) {
      const input = randomInput(seed);
      const p = planRetention(input);
      const context = `seed ${seed}`;
      const all = [...p.keep, ...p.delete].map((e) => e.key).sort();
      expect(all, context).toEqual([...input.backups.map((b) => b.key), ...input.incomplete.map((o) => o.key)].sort());
      for (const e of [...p.keep, ...p.delete]) expect(e.reasons.length, context).toBeGreaterThan(0);

      const newest = [...input.backups].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.key < b.key ? 1 : -1))[0];
      if (newest) expect(p.keep.map((e) => e.key), context).toContain(newest.key);
      if (!input.runSucceeded || !FIELDS.some((f) => input.policy?.[f] !== undefined)) expect(p.delete, context).toEqual([]);
      for (const e of p.delete) {
        if (e.kind === 'backup') {
          expect(e.retainUntil === undefined || e.retainUntil <= input.now, context).toBe(true);
          expect(e.keys, context).toEqual([e.manifestKey, e.key]);
        } else {
          expect(input.now.getTime() - e.lastModified.getTime(), context).toBeGreaterThan(INCOMPLETE_GRACE_MS);
        }
      }
      for (const o of input.incomplete) {
        const old = input.now.getTime() - o.lastModified.getTime() > INCOMPLETE_GRACE_MS;
        const prunes = input.runSucceeded && FIELDS.some((f) => input.policy?.[f] !== undefined);
        expect(p.delete.some((e) => e.key === o.key), context).toBe(old && prunes);
      }
      const keptBackups = new Set(p.keep.filter((e) => e.kind === 'backup').map((e) => e.key));
      if (input.runSucceeded) expect(keptBackups, context).toEqual(referenceKept(input));
    }
  });

  it('planning again after applying the plan changes nothing', () => {
    for (const seed of seeds) {
      const input = randomInput(seed);
      const first = planRetention(input);
      const gone = new Set(first.delete.map((e) => e.key));
      const second = planRetention({
        ...input,
        backups: input.backups.filter((b) => !gone.has(b.key)),
        incomplete: input.incomplete.filter((o) => !gone.has(o.key)),
      });
      expect(second.delete, `seed ${seed}`).toEqual([]);
      expect(second.keep.map((e) => e.key), `seed ${seed}`).toEqual(first.keep.map((e) => e.key));
    }
  });

  it('the generator covers the interesting cases', () => {
    const inputs = seeds.map(randomInput);
    const plans = inputs.map(planRetention);
    expect(plans.filter((p) => p.delete.some((e) => e.kind === 'backup')).length).toBeGreaterThan(100);
    expect(plans.filter((p) => p.delete.some((e) => e.kind === 'incomplete')).length).toBeGreaterThan(50);
    expect(plans.filter((p) => p.keep.some((e) => e.reasons.some((r) => r.startsWith('locked until')))).length).toBeGreaterThan(20);
    expect(inputs.filter((i) => !i.runSucceeded && i.backups.length > 3).length).toBeGreaterThan(20);
  });
});

describe('only verified, non-empty backups count', () => {
  const MB50 = 50 * 1024 * 1024;
  const good = ['2026-11-20T02:00:00Z', '2026-11-21T02:00:00Z', '2026-11-22T02:00:00Z'].map((t) => backup(t, { size: MB50, listedSize: MB50 }));
  const empty = ['2026-11-23T02:00:00Z', '2026-11-24T02:00:00Z', '2026-11-25T02:00:00Z'].map((t) => backup(t, { size: 0, listedSize: 0 }));

  it('three empty newest backups with keepLast 3 keep all three good 50 MB ones (and are not counted)', () => {
    const p = plan([...good, ...empty], { keepLast: 3 });
    expect(p.delete).toEqual([]);
    expect(timesOf(p.keep)).toEqual([...good, ...empty].reverse().map((b) => b.time.toISOString()));
    expect(reasonsOf(p)['2026-11-25T02:00:00.000Z']).toEqual(['not counted by retention: empty (0 bytes); kept for inspection']);
    expect(reasonsOf(p)['2026-11-22T02:00:00.000Z']).toEqual(['newest good backup', 'keepLast 3 (1 of 3)']);
  });

  it('never deletes the last good backup, even when keepLast 1 would keep only a newer empty one', () => {
    const p = plan([good[0]!, empty[2]!], { keepLast: 1 });
    expect(p.delete).toEqual([]);
    expect(reasonsOf(p)['2026-11-20T02:00:00.000Z']).toContain('newest good backup');
  });

  it('a backup whose stored size differs from its manifest is not counted either', () => {
    const torn = backup('2026-11-25T03:00:00Z', { size: MB50, listedSize: 1000 });
    const p = plan([...good, torn], { keepLast: 1 });
    expect(p.delete.map((e) => e.key)).toEqual([good[1]!.key, good[0]!.key]);
    expect(reasonsOf(p)['2026-11-25T03:00:00.000Z']).toEqual([`not counted by retention: stored as 1000 bytes, its manifest records ${MB50}; kept for inspection`]);
    expect(reasonsOf(p)['2026-11-22T02:00:00.000Z']).toContain('newest good backup');
  });
});
