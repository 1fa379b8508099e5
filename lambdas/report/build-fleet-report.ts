import { formatInstant } from '../schedule/format';
import { nextOccurrences, occurrencesBetween, parseSchedule, type Schedule } from '../schedule';
import { DayGrid } from './day-grid';
import { coversExpected, DEFAULT_GRACE_HOURS, expectedOccurrence, occurrencesMissed } from './expected-backup';
import {
  DAY_CODES,
  DEVICE_STATES,
  REPORT_SCHEMA_VERSION,
  type CopyReport,
  type DayCode,
  type DeviceReport,
  type DeviceState,
  type FleetReport,
  type FleetSummary,
  type RestoreReport,
  type RunReport,
} from './fleet-report';
import { formatAge } from './format';
import type { ArchiveCopy, BackupRunRecord, ReportDevice, ReportInput, RestoreRecord, SkippedRunRecord } from './report-input';
import { sizeTrend } from './size-trend';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
export const DEFAULT_REPORT_DAYS = 90;
/** Occurrences of one schedule looked at in the window; a rule denser than this is due every day. */
const DUE_LIMIT = 20_000;

const FAILED: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The fleet report: per device its state against its schedule, the calendar of the window, sizes,
 * storage and the last restore; the fleet summary on top. Pure: the same input gives the same
 * report (`now` is part of the input). Devices that are no longer configured but still have copies
 * in the archive are reported too (`inConfig: false`); history of devices that are neither is left
 * out and counted in the notes.
 */
export function buildFleetReport(input: ReportInput): FleetReport {
  const days = input.options?.days ?? DEFAULT_REPORT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 400) throw new RangeError(`report days must be a whole number from 1 to 400, not ${days}`);
  const grid = new DayGrid(input.now, days, input.options?.timeZone ?? 'UTC');
  const graceMs = (input.options?.graceHours ?? DEFAULT_GRACE_HOURS) * HOUR_MS;
  const notes = [...(input.notes ?? [])];

  const copies = groupBy(input.copies, (c) => c.deviceId);
  const runs = groupBy(input.runs, (r) => r.deviceId);
  const skips = groupBy(input.skips, (s) => s.deviceId);
  const restores = groupBy(input.restores, (r) => r.deviceId);

  const configured = new Map(input.devices.map((d) => [d.id, d]));
  const devices: { device: ReportDevice; inConfig: boolean }[] = input.devices.map((device) => ({ device, inConfig: true }));
  for (const [id, list] of copies) {
    if (configured.has(id)) continue;
    const newest = maxBy(list, (c) => c.time.getTime());
    devices.push({ device: { id, type: list.find((c) => c.deviceType)?.deviceType ?? newest?.deviceType ?? 'unknown' }, inConfig: false });
  }
  const reported = new Set(devices.map((d) => d.device.id));
  const orphanHistory = [...new Set([...runs.keys(), ...skips.keys(), ...restores.keys()])].filter((id) => !reported.has(id));
  if (orphanHistory.length) {
    notes.push(`History of ${orphanHistory.length} device(s) that are neither configured nor in the archive is left out: ${orphanHistory.slice(0, 10).join(', ')}${orphanHistory.length > 10 ? ', ...' : ''}.`);
  }

  const dueDays = new DueDays(grid, input.now);
  const reports = devices.map(({ device, inConfig }) =>
    deviceReport({
      device,
      inConfig,
      now: input.now,
      graceMs,
      grid,
      dueDays,
      copies: copies.get(device.id) ?? [],
      runs: runs.get(device.id) ?? [],
      skips: skips.get(device.id) ?? [],
      restores: restores.get(device.id) ?? [],
    }),
  );
  reports.sort((a, b) => DEVICE_STATES.indexOf(a.state) - DEVICE_STATES.indexOf(b.state) || compare(a.id, b.id));

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: formatInstant(input.now),
    source: input.source,
    window: { days, timeZone: grid.timeZone, from: formatInstant(grid.from), to: formatInstant(input.now), firstDay: grid.firstDay },
    dayCodes: DAY_CODES,
    summary: summarize(reports, input.runs, input.now, reported),
    devices: reports,
    notes,
  };
}

interface DeviceFacts {
  device: ReportDevice;
  inConfig: boolean;
  now: Date;
  graceMs: number;
  grid: DayGrid;
  dueDays: DueDays;
  copies: readonly ArchiveCopy[];
  runs: readonly BackupRunRecord[];
  skips: readonly SkippedRunRecord[];
  restores: readonly RestoreRecord[];
}

function deviceReport(f: DeviceFacts): DeviceReport {
  const now = f.now.getTime();
  const copies = [...f.copies].sort((a, b) => b.time.getTime() - a.time.getTime() || compare(b.key, a.key));
  const newest = copies[0];
  const runs = [...f.runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const finished = runs.filter((r) => r.status !== 'RUNNING');
  const lastRun = runs[0];
  const lastFinished = finished[0];
  const lastFailure = finished.find((r) => FAILED.has(r.status));

  let schedule: Schedule | undefined;
  let scheduleProblem: string | undefined;
  if (f.device.schedule) {
    try {
      schedule = parseSchedule(f.device.schedule.rrule, f.device.schedule.timezone);
    } catch (error) {
      scheduleProblem = error instanceof Error ? error.message : String(error);
    }
  }
  const expected = schedule ? expectedOccurrence(schedule, f.now, f.graceMs) : undefined;
  const next = schedule ? nextOccurrences(schedule, new Date(now + 1), 1)[0] : undefined;

  const failingNow = lastFinished !== undefined && FAILED.has(lastFinished.status) && (!newest || lastFinished.startedAt.getTime() > newest.time.getTime());
  const late = newest !== undefined && expected !== undefined && !coversExpected(expected, newest.time, newest.occurrence);
  const state: DeviceState = !newest ? 'missing' : failingNow ? 'failing' : late ? 'late' : schedule ? 'on-time' : 'unscheduled';
  const missed = late && schedule && newest && expected ? occurrencesMissed(schedule, newest.time, expected) : null;
  const ageHours = newest ? round1((now - newest.time.getTime()) / HOUR_MS) : null;

  const reason = reasonFor({
    state,
    ageHours,
    expected,
    missed,
    lastFailure: failingNow ? lastFinished : undefined,
    lastFinished,
    scheduled: schedule !== undefined,
    scheduleProblem,
    inConfig: f.inConfig,
  });

  // Sizes over the window's copies, oldest first; a drop is judged against every earlier copy kept.
  const chronological = [...copies].reverse();
  const { drops, baselines } = sizeTrend(chronological.map((c) => c.size));
  const sizes = chronological.flatMap((c, i) => (f.grid.indexOf(c.time) >= 0 ? [{ time: formatInstant(c.time), size: c.size, drop: drops[i] === true }] : []));
  const newestIndex = chronological.length - 1;
  const sizeDrop = newestIndex >= 0 && drops[newestIndex] ? { size: chronological[newestIndex]!.size, typical: baselines[newestIndex]! } : null;

  const storage: Record<string, { copies: number; bytes: number }> = {};
  let bytes = 0;
  for (const c of copies) {
    const s = (storage[c.storageClass] ??= { copies: 0, bytes: 0 });
    s.copies++;
    s.bytes += c.size;
    bytes += c.size;
  }

  const restore = maxBy(
    f.restores.filter((r) => r.status !== 'RUNNING'),
    (r) => r.startedAt.getTime(),
  );

  return {
    id: f.device.id,
    type: f.device.type,
    inConfig: f.inConfig,
    state,
    reason,
    schedule: f.device.schedule
      ? {
          rule: typeof f.device.schedule.rrule === 'string' ? f.device.schedule.rrule : JSON.stringify(f.device.schedule.rrule),
          timezone: f.device.schedule.timezone,
          expected: expected ? formatInstant(expected) : null,
          next: next ? formatInstant(next) : null,
        }
      : null,
    lastGood: newest && ageHours !== null ? { ...copyReport(newest), ageHours } : null,
    lateByHours: late && expected ? round1((now - expected.getTime()) / HOUR_MS) : null,
    missedOccurrences: missed,
    lastRun: lastRun ? runReport(lastRun) : null,
    lastFailure: lastFailure ? runReport(lastFailure) : null,
    failuresThisWeek: finished.filter((r) => FAILED.has(r.status) && now - r.startedAt.getTime() <= WEEK_MS).length,
    calendar: calendarOf(f, schedule, expected),
    sizes,
    sizeDrop,
    copies: copies.map(copyReport),
    storage,
    bytes,
    lastRestore: restore ? restoreReport(restore) : null,
  };
}

/**
 * The window's days, one code each. A day with a committed backup or a successful run succeeded;
 * else failed when a run failed; else skipped; else missed when an occurrence was due, counted
 * only from the device's first record on (the report cannot know when a device was added).
 */
function calendarOf(f: DeviceFacts, schedule: Schedule | undefined, expected: Date | undefined): string {
  const codes: DayCode[] = new Array<DayCode>(f.grid.days).fill('.');
  const rank: Record<DayCode, number> = { S: 4, F: 3, K: 2, M: 1, '.': 0 };
  const mark = (time: Date, code: DayCode) => {
    const i = f.grid.indexOf(time);
    if (i >= 0 && i < codes.length && rank[code] > rank[codes[i]!]) codes[i] = code;
  };
  let first = Number.POSITIVE_INFINITY;
  for (const c of f.copies) {
    mark(c.time, 'S');
    first = Math.min(first, c.time.getTime());
  }
  for (const r of f.runs) {
    if (r.status === 'SUCCEEDED') mark(r.startedAt, 'S');
    else if (FAILED.has(r.status)) mark(r.startedAt, 'F');
    first = Math.min(first, r.startedAt.getTime());
  }
  for (const s of f.skips) {
    const at = s.occurrence ?? s.at;
    mark(at, 'K');
    first = Math.min(first, at.getTime());
  }
  if (schedule && expected && Number.isFinite(first)) {
    for (const day of f.dueDays.of(schedule, expected)) {
      if (day.firstDue >= first - 24 * HOUR_MS && codes[day.index] === '.') codes[day.index] = 'M';
    }
  }
  return codes.join('');
}

/** The window's days on which a schedule had an occurrence due by `expected`; computed once per schedule (fleets share rules). */
class DueDays {
  private readonly cache = new Map<string, { index: number; firstDue: number }[]>();
  constructor(
    private readonly grid: DayGrid,
    private readonly now: Date,
  ) {}

  of(schedule: Schedule, expected: Date): { index: number; firstDue: number }[] {
    const key = `${schedule.timezone}\u0000${schedule.text}\u0000${expected.getTime()}`;
    let days = this.cache.get(key);
    if (!days) {
      const due = occurrencesBetween(schedule, this.grid.from, new Date(Math.min(expected.getTime() + 1, this.now.getTime() + 1)), DUE_LIMIT);
      const byIndex = new Map<number, number>();
      for (const t of due) {
        const index = this.grid.indexOf(t);
        if (index >= 0 && index < this.grid.days && !byIndex.has(index)) byIndex.set(index, t.getTime());
      }
      if (due.length >= DUE_LIMIT) {
        // Denser than we expand: every day up to the expected occurrence's was due.
        for (let index = 0; index <= Math.min(this.grid.days - 1, this.grid.indexOf(expected)); index++) if (!byIndex.has(index)) byIndex.set(index, this.grid.from.getTime() + index * 24 * HOUR_MS);
      }
      days = [...byIndex].map(([index, firstDue]) => ({ index, firstDue }));
      this.cache.set(key, days);
    }
    return days;
  }
}

function reasonFor(r: {
  state: DeviceState;
  ageHours: number | null;
  expected: Date | undefined;
  missed: number | null;
  lastFailure: BackupRunRecord | undefined;
  lastFinished: BackupRunRecord | undefined;
  scheduled: boolean;
  scheduleProblem: string | undefined;
  inConfig: boolean;
}): string {
  const age = r.ageHours !== null ? `newest backup ${formatAge(r.ageHours)} old` : '';
  const failure = (run: BackupRunRecord) => `last run failed (${formatInstant(run.startedAt)}): ${run.error ?? run.status}${run.cause ? `: ${run.cause}` : ''}`;
  const suffix = [
    ...(r.inConfig ? [] : ['no longer in the config']),
    ...(r.scheduleProblem ? [`schedule unusable: ${r.scheduleProblem}`] : []),
  ];
  const parts: string[] = [];
  switch (r.state) {
    case 'missing':
      parts.push('no committed backup in the archive');
      if (r.lastFinished) parts.push(FAILED.has(r.lastFinished.status) ? failure(r.lastFinished) : `last run ${r.lastFinished.status.toLowerCase()} (${formatInstant(r.lastFinished.startedAt)})`);
      else parts.push('no run on record');
      break;
    case 'failing':
      parts.push(failure(r.lastFailure!), age);
      break;
    case 'late':
      parts.push(age, `none for the ${formatInstant(r.expected!)} occurrence${r.missed && r.missed > 1 ? ` (${r.missed} occurrences without one)` : ''}`);
      break;
    case 'on-time':
      parts.push(age, r.expected ? `covers the ${formatInstant(r.expected)} occurrence` : 'no occurrence due yet');
      break;
    case 'unscheduled':
      parts.push(r.scheduled ? 'schedule has no occurrence' : 'no schedule (on demand only)', age);
      break;
  }
  return [...parts, ...suffix].filter(Boolean).join('; ');
}

function summarize(devices: readonly DeviceReport[], runs: readonly BackupRunRecord[], now: Date, reported: ReadonlySet<string>): FleetSummary {
  const states = Object.fromEntries(DEVICE_STATES.map((s) => [s, 0])) as Record<DeviceState, number>;
  const storage: Record<string, { copies: number; bytes: number }> = {};
  let bytesArchived = 0;
  let copies = 0;
  for (const d of devices) {
    states[d.state]++;
    bytesArchived += d.bytes;
    copies += d.copies.length;
    for (const [cls, s] of Object.entries(d.storage)) {
      const t = (storage[cls] ??= { copies: 0, bytes: 0 });
      t.copies += s.copies;
      t.bytes += s.bytes;
    }
  }
  const failedThisWeek = runs.filter((r) => reported.has(r.deviceId) && FAILED.has(r.status) && now.getTime() - r.startedAt.getTime() <= WEEK_MS && r.startedAt <= now);
  return {
    devices: devices.length,
    states,
    bytesArchived,
    copies,
    failuresThisWeek: { runs: failedThisWeek.length, devices: new Set(failedThisWeek.map((r) => r.deviceId)).size },
    sizeDrops: devices.filter((d) => d.sizeDrop).length,
    restored: { devices: devices.filter((d) => d.lastRestore).length, succeeded: devices.filter((d) => d.lastRestore?.status === 'SUCCEEDED').length },
    storage,
    types: [...new Set(devices.map((d) => d.type))].sort(compare),
  };
}

function copyReport(c: ArchiveCopy): CopyReport {
  return { time: formatInstant(c.time), size: c.size, storageClass: c.storageClass, key: c.key };
}

function runReport(r: BackupRunRecord): RunReport {
  return {
    executionName: r.executionName,
    status: r.status,
    startedAt: formatInstant(r.startedAt),
    stoppedAt: r.stoppedAt ? formatInstant(r.stoppedAt) : null,
    ...(r.error ? { error: r.error } : {}),
    ...(r.cause ? { cause: r.cause } : {}),
  };
}

function restoreReport(r: RestoreRecord): RestoreReport {
  return {
    executionName: r.executionName,
    status: r.status,
    target: r.targetDeviceId,
    startedAt: formatInstant(r.startedAt),
    recoveryMs: r.recoveryMs ?? null,
    withErrors: r.withErrors === true,
    drill: r.drill === true,
    key: r.key ?? null,
    ...(r.error ? { error: r.error } : {}),
    ...(r.cause ? { cause: r.cause } : {}),
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function maxBy<T>(items: readonly T[], valueOf: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || valueOf(item) > valueOf(best)) best = item;
  return best;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
