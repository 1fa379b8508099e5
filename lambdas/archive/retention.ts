import { periodKey, type PeriodUnit } from './calendar';

/**
 * The retention planner: which of one device's archived backups to keep and which to delete, and
 * why. Pure: the catalog (S3 listing + manifests) feeds it, the prune step and `backup-runner
 * prune` apply or print its plan.
 *
 * Semantics follow restic's `forget`: `keepLast N` keeps the N newest backups; `keepDaily N`
 * (weekly, monthly, yearly alike) keeps the newest backup in each of the last N days that have
 * one, counted on the device's wall clock (ISO weeks, Monday first). A backup kept by any rule
 * is kept. On top of the rules:
 * - only good backups count (non-empty, stored at the size their manifest records): others are
 *   kept for inspection, never counted by a rule, so empty newest backups cannot push good ones out;
 * - the newest good backup is always kept;
 * - nothing is deleted after a failed run (the plan still says what would have gone);
 * - a backup under Object Lock retention is kept until its retain-until date has passed;
 * - objects without a manifest (uploads that never committed) older than 24 h are deleted;
 *   younger ones may still be waiting for their manifest;
 * - no policy at all (no keep* field, neither in `archive.retention` nor the device's) keeps
 *   everything, incomplete objects included: pruning is opt-in.
 */

export interface RetentionPolicy {
  keepLast?: number | undefined;
  keepDaily?: number | undefined;
  keepWeekly?: number | undefined;
  keepMonthly?: number | undefined;
  keepYearly?: number | undefined;
}

/** A committed backup (it has a valid manifest). */
export interface RetentionBackup {
  key: string;
  manifestKey: string;
  /** When the backup was taken (the manifest's run.startedAt). */
  time: Date;
  /** The manifest's size. */
  size: number;
  /** The size S3 lists for the object; absent when unknown. A backup counts only when it equals `size`. */
  listedSize?: number | undefined;
  /**
   * Object Lock retain-until of the backup's object, when the bucket has Object Lock and the
   * object carries a retention; absent otherwise. The planner never deletes before this instant.
   */
  retainUntil?: Date | undefined;
}

/** An object under the device's prefix that has no manifest: an upload that never committed. */
export interface RetentionIncomplete {
  key: string;
  lastModified: Date;
  size?: number | undefined;
}

export interface RetentionInput {
  deviceId: string;
  backups: readonly RetentionBackup[];
  incomplete: readonly RetentionIncomplete[];
  /** `archive.retention` overridden field by field by `devices[].retention` (see `effectiveRetention`). */
  policy: RetentionPolicy | undefined;
  /** IANA zone of the device's calendar (`devices[].schedule.timezone`, else UTC). */
  timeZone: string;
  now: Date;
  /** Whether the run that triggers this prune committed its backup. */
  runSucceeded: boolean;
}

interface PlanEntryBase {
  /**
   * The S3 keys of this entry, in the order a deletion removes them: the manifest first, then
   * the object. The manifest is the commit mark, so removing it first un-commits the backup:
   * a crash between the two leaves an object without a manifest, which no listing, restore or
   * retention counts and which the next prune removes as an incomplete upload. The other order
   * would leave a manifest pointing at nothing, a "backup" that restore and the catalog trust.
   */
  keys: string[];
  reasons: string[];
}

export interface PlannedBackup extends PlanEntryBase, RetentionBackup {
  kind: 'backup';
}

export interface PlannedIncomplete extends PlanEntryBase, RetentionIncomplete {
  kind: 'incomplete';
}

export type PlanEntry = PlannedBackup | PlannedIncomplete;

export interface RetentionPlan {
  deviceId: string;
  /** Newest first; committed backups, then incomplete objects. */
  keep: PlanEntry[];
  /** Newest first; committed backups, then incomplete objects. */
  delete: PlanEntry[];
}

/** Objects without a manifest younger than this may still be getting theirs. */
export const INCOMPLETE_GRACE_MS = 24 * 3_600_000;

const CALENDAR_RULES: ReadonlyArray<{ field: keyof RetentionPolicy; unit: PeriodUnit }> = [
  { field: 'keepDaily', unit: 'daily' },
  { field: 'keepWeekly', unit: 'weekly' },
  { field: 'keepMonthly', unit: 'monthly' },
  { field: 'keepYearly', unit: 'yearly' },
];

const POLICY_FIELDS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** True when the policy keeps anything less than everything. */
export function hasRetentionRules(policy: RetentionPolicy | undefined): boolean {
  return POLICY_FIELDS.some((field) => policy?.[field] !== undefined);
}

/** `keepLast 2, keepDaily 7`: the policy as people wrote it. */
export function describePolicy(policy: RetentionPolicy | undefined): string {
  const parts = POLICY_FIELDS.filter((f) => policy?.[f] !== undefined).map((f) => `${f} ${policy?.[f]}`);
  return parts.length ? parts.join(', ') : 'no retention policy';
}

/** Plans one device's prune. Deterministic: the same input gives the same plan. */
export function planRetention(input: RetentionInput): RetentionPlan {
  const now = input.now.getTime();
  const backups = [...input.backups].sort(newestFirst((b) => b.time));
  const incomplete = [...input.incomplete].sort(newestFirst((o) => o.lastModified));
  const reasons = new Map<RetentionBackup, string[]>(backups.map((b) => [b, []]));
  const keepers = new Set<RetentionBackup>();
  const keepFor = (backup: RetentionBackup, reason: string) => {
    keepers.add(backup);
    reasons.get(backup)!.push(reason);
  };
  const rules = hasRetentionRules(input.policy);

  if (!rules) {
    backups.forEach((b) => keepFor(b, 'no retention policy: everything is kept'));
  } else {
    const policy = input.policy!;
    // Only good backups count: an empty or torn one must not push a good one out of keepLast.
    const good = backups.filter((b) => {
      const problem = notGood(b);
      if (problem) keepFor(b, `not counted by retention: ${problem}; kept for inspection`);
      return !problem;
    });
    if (good[0]) keepFor(good[0], 'newest good backup');
    const keepLast = policy.keepLast ?? 0;
    good.slice(0, keepLast).forEach((b, i) => keepFor(b, `keepLast ${keepLast} (${i + 1} of ${keepLast})`));
    for (const { field, unit } of CALENDAR_RULES) {
      let left = policy[field] ?? 0;
      let lastPeriod: string | undefined;
      // Newest first, so the first backup seen in a period is that period's newest.
      for (const backup of good) {
        if (left <= 0) break;
        const period = periodKey(unit, backup.time, input.timeZone);
        if (period === lastPeriod) continue;
        lastPeriod = period;
        left--;
        keepFor(backup, `${unit} ${period}`);
      }
    }
  }
  for (const backup of backups) {
    if (backup.retainUntil && backup.retainUntil.getTime() > now) keepFor(backup, `locked until ${formatInstant(backup.retainUntil)}`);
  }

  const keep: PlanEntry[] = [];
  const remove: PlanEntry[] = [];
  for (const backup of backups) {
    const entry: PlannedBackup = { kind: 'backup', ...backup, keys: [backup.manifestKey, backup.key], reasons: reasons.get(backup)! };
    if (keepers.has(backup)) keep.push(entry);
    else remove.push({ ...entry, reasons: [`matches no keep rule of ${describePolicy(input.policy)}`] });
  }
  for (const object of incomplete) {
    const entry: PlannedIncomplete = { kind: 'incomplete', ...object, keys: [object.key], reasons: [] };
    if (!rules) keep.push({ ...entry, reasons: ['no retention policy: everything is kept'] });
    else if (now - object.lastModified.getTime() > INCOMPLETE_GRACE_MS) remove.push({ ...entry, reasons: ['incomplete upload older than 24 h'] });
    else keep.push({ ...entry, reasons: ['incomplete upload younger than 24 h: its manifest may still come'] });
  }

  if (!input.runSucceeded && remove.length) {
    // The failed run's own objects may be all that explains the failure; and a failing device
    // must not erode its archive. Say what would have gone, delete nothing.
    const held = remove.map((e) => ({ ...e, reasons: ['the run failed: nothing is pruned after a failed run', ...e.reasons.map((r) => `would go: ${r}`)] }));
    return { deviceId: input.deviceId, keep: byKindThenTime([...keep, ...held]), delete: [] };
  }
  return { deviceId: input.deviceId, keep, delete: remove };
}

/** Why a committed backup is not a good one (empty, or stored at another size than its manifest says); undefined when it is. */
export function notGood(backup: RetentionBackup): string | undefined {
  if (backup.size === 0) return 'empty (0 bytes)';
  if (backup.listedSize !== undefined && backup.listedSize !== backup.size) return `stored as ${backup.listedSize} bytes, its manifest records ${backup.size}`;
  return undefined;
}

/** `2026-12-01T00:00:00Z`: to the second, as keys and logs show times. */
export function formatInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function newestFirst<T extends { key: string }>(timeOf: (item: T) => Date): (a: T, b: T) => number {
  // Ties broken by key, so equal times still give one order.
  return (a, b) => timeOf(b).getTime() - timeOf(a).getTime() || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
}

function byKindThenTime(entries: PlanEntry[]): PlanEntry[] {
  const time = (e: PlanEntry) => (e.kind === 'backup' ? e.time : e.lastModified);
  const backups = entries.filter((e) => e.kind === 'backup').sort(newestFirst(time));
  const others = entries.filter((e) => e.kind === 'incomplete').sort(newestFirst(time));
  return [...backups, ...others];
}
