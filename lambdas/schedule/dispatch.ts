import { ScheduleError } from './errors';
import { assertNameableDeviceId, executionNameFor } from './execution-names';
import { formatInstant } from './format';
import { occurrencesBetween, parseSchedule, previousOccurrence, type Schedule, type ScheduleInput } from './schedule';

/**
 * Dispatch planning: which devices start a backup this tick. Pure: same input, same plan, so a
 * retried or doubled tick starts the same executions, and Step Functions refuses the second
 * start of a name (the execution name is device + occurrence).
 */

export interface DispatchDevice {
  readonly id: string;
  /** A parsed schedule, or the config's `{ rrule, timezone }` (parsed here, cached). */
  readonly schedule: Schedule | { readonly rrule: ScheduleInput; readonly timezone?: string };
}

export interface PlanDispatchInput {
  readonly devices: readonly DispatchDevice[];
  /** When the previous tick planned up to (its `now`); undefined on the first tick or when the state was lost. */
  readonly lastTick: Date | undefined;
  readonly now: Date;
  /** A missed occurrence older than this is not started any more. Default 360 (6 h). */
  readonly maxLatenessMinutes?: number;
  /**
   * Spreads starts: each device's occurrences become due `jitterOffsetSeconds(id, jitterMinutes)`
   * later (a stable hash of its id, under `jitterMinutes`). Default 0.
   */
  readonly jitterMinutes?: number;
  /** Devices with a backup execution still running; they are skipped, not queued. */
  readonly running: ReadonlySet<string>;
}

export interface DueRun {
  readonly deviceId: string;
  /** The scheduled occurrence this run serves (what the name, the manifest and retention use). */
  readonly occurrence: Date;
  /** occurrence + the device's jitter offset: when it became due. */
  readonly dueAt: Date;
  readonly executionName: string;
  /** Earlier occurrences in the window that this run replaces (after an outage); usually 0. */
  readonly superseded: number;
}

export type SkipReason = 'running' | 'too-late' | 'invalid';

export interface SkippedRun {
  readonly deviceId: string;
  /** The occurrence that was not started; undefined for `invalid`. */
  readonly occurrence: Date | undefined;
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface DispatchPlan {
  /** Sorted by dueAt, then device id. */
  readonly due: readonly DueRun[];
  readonly skipped: readonly SkippedRun[];
  /** The window planned: (windowStart, now]. */
  readonly windowStart: Date;
}

export const DEFAULT_MAX_LATENESS_MINUTES = 360;
const MINUTE = 60_000;

/**
 * Plans one tick. For each device with a schedule, the latest occurrence due in (lastTick, now]
 * (due = occurrence + jitter offset) is started, unless the device is running a backup or the
 * occurrence is older than maxLateness; earlier occurrences in the window (an outage, or a rule
 * more frequent than the tick) are not started: `superseded` counts them. Without lastTick the
 * window is the last maxLateness minutes: the newest occurrence that is not too late runs
 * (Step Functions drops it if that execution name already ran).
 */
export function planDispatch(input: PlanDispatchInput): DispatchPlan {
  const maxLateness = input.maxLatenessMinutes ?? DEFAULT_MAX_LATENESS_MINUTES;
  const jitter = input.jitterMinutes ?? 0;
  if (!(maxLateness >= 0)) throw new RangeError(`maxLatenessMinutes must be 0 or more, not ${maxLateness}`);
  if (!(jitter >= 0 && jitter <= 24 * 60)) throw new RangeError(`jitterMinutes must be from 0 to 1440, not ${jitter}`);
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError('now is not a valid date');
  const windowStart = input.lastTick ? input.lastTick.getTime() : now - maxLateness * MINUTE;
  const due: DueRun[] = [];
  const skipped: SkippedRun[] = [];
  for (const device of input.devices) {
    let schedule: Schedule;
    try {
      assertNameableDeviceId(device.id);
      schedule = scheduleOf(device.schedule);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      skipped.push({ deviceId: device.id, occurrence: undefined, reason: 'invalid', detail: error.message });
      continue;
    }
    if (!(now > windowStart)) continue;
    const offset = jitterOffsetSeconds(device.id, jitter) * 1000;
    // due = occurrence + offset in (windowStart, now]  <=>  occurrence in (windowStart - offset, now - offset]
    const latest = previousOccurrence(schedule, new Date(now - offset + 1), new Date(windowStart - offset + 1));
    if (!latest) continue;
    const dueAt = latest.getTime() + offset;
    if (now - dueAt > maxLateness * MINUTE) {
      skipped.push({
        deviceId: device.id,
        occurrence: latest,
        reason: 'too-late',
        detail: `due at ${formatInstant(new Date(dueAt))}, ${Math.round((now - dueAt) / MINUTE)} min ago, more than maxLatenessMinutes=${maxLateness}`,
      });
      continue;
    }
    if (input.running.has(device.id)) {
      skipped.push({ deviceId: device.id, occurrence: latest, reason: 'running', detail: 'a backup of this device is still running' });
      continue;
    }
    const superseded = occurrencesBetween(schedule, new Date(windowStart - offset + 1), latest).length;
    due.push({ deviceId: device.id, occurrence: latest, dueAt: new Date(dueAt), executionName: executionNameFor(device.id, latest), superseded });
  }
  due.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  return { due, skipped, windowStart: new Date(windowStart) };
}

/** A warm dispatcher sees the same config objects every tick: skip even the parse cache's key building. */
const parsedConfigs = new WeakMap<object, Schedule>();

function scheduleOf(config: DispatchDevice['schedule']): Schedule {
  if ('rule' in config) return config;
  let schedule = parsedConfigs.get(config);
  if (!schedule) {
    schedule = parseSchedule(config.rrule, config.timezone);
    parsedConfigs.set(config, schedule);
  }
  return schedule;
}

/**
 * The device's stable start offset, in seconds, in [0, jitterMinutes * 60): FNV-1a of its id.
 * Stable across deployments and runtimes; changes only when the id or jitterMinutes changes.
 */
export function jitterOffsetSeconds(deviceId: string, jitterMinutes: number): number {
  const span = Math.floor(jitterMinutes * 60);
  if (span <= 0) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    hash ^= deviceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % span;
}

