import { formatInstant } from '../schedule/format';
import { DEFAULT_MAX_LATENESS_MINUTES, executionNameFor, planDispatch, type DispatchDevice } from '../schedule';
import type { BackupSkippedDetail, RunningExecution } from './ports';
import type { DispatcherState, PendingRun } from './state';

/**
 * Plans one dispatcher tick: planDispatch (which occurrence is due per device) plus what the
 * dispatcher carries between ticks and sees in Step Functions. Pure: same input, same plan.
 *
 * - The window is (state.lastTick, now]; without a state, the last maxLatenessMinutes.
 * - A device runs at most one backup at a time: a device with a running execution is skipped
 *   (reported), unless that execution *is* this occurrence (same name): then it was started
 *   already, by an earlier or a doubled tick, and nothing is reported.
 * - Carried-over occurrences (fleet cap, failed StartExecution) go first, oldest due first,
 *   with their original execution names; a newer occurrence of the same device supersedes one
 *   (only the latest missed occurrence runs), and one older than maxLatenessMinutes is dropped.
 * - Fleet cap: running + started <= maxConcurrentBackups; the rest are carried over.
 */

export interface PlanTickInput {
  /** Devices with a schedule. */
  readonly devices: readonly DispatchDevice[];
  readonly state: DispatcherState | undefined;
  readonly now: Date;
  readonly running: readonly RunningExecution[];
  readonly maxLatenessMinutes?: number;
  readonly jitterMinutes?: number;
  readonly maxConcurrentBackups?: number | undefined;
}

/** One execution to start. */
export interface PlannedStart {
  readonly deviceId: string;
  readonly occurrence: Date;
  readonly dueAt: Date;
  readonly executionName: string;
  /** Due in this tick's window, or carried over from an earlier tick. */
  readonly origin: 'due' | 'pending';
  /** For carried-over runs: when they were first carried over. */
  readonly since?: string;
}

export interface TickSkip extends BackupSkippedDetail {}

export interface TickPlan {
  readonly windowStart: Date;
  /** What the next tick's window starts after: max(state.lastTick, now). */
  readonly lastTick: Date;
  /** In order: carried-over first (oldest due first), then due (by due time, then device id). */
  readonly start: readonly PlannedStart[];
  /** Occurrences whose execution is running already (same name): nothing to do. */
  readonly alreadyRunning: readonly { deviceId: string; executionName: string }[];
  /** Carried over to the next tick because of the fleet cap. */
  readonly deferred: readonly PendingRun[];
  readonly skipped: readonly TickSkip[];
}

const MINUTE = 60_000;

export function planTick(input: PlanTickInput): TickPlan {
  const now = input.now;
  const maxLateness = input.maxLatenessMinutes ?? DEFAULT_MAX_LATENESS_MINUTES;
  const lastTick = input.state ? new Date(input.state.lastTick) : undefined;
  const runningByDevice = new Map<string, string[]>();
  for (const execution of input.running) {
    if (execution.deviceId === undefined) continue;
    runningByDevice.set(execution.deviceId, [...(runningByDevice.get(execution.deviceId) ?? []), execution.name]);
  }
  const plan = planDispatch({
    devices: input.devices,
    lastTick,
    now,
    maxLatenessMinutes: maxLateness,
    jitterMinutes: input.jitterMinutes ?? 0,
    running: new Set(runningByDevice.keys()),
  });

  const skipped: TickSkip[] = [];
  const alreadyRunning: { deviceId: string; executionName: string }[] = [];
  const due = new Map<string, PlannedStart>();
  for (const run of plan.due) {
    due.set(run.deviceId, { deviceId: run.deviceId, occurrence: run.occurrence, dueAt: run.dueAt, executionName: run.executionName, origin: 'due' });
  }
  for (const skip of plan.skipped) {
    const occurrence = skip.occurrence ? formatInstant(skip.occurrence) : null;
    const executionName = skip.occurrence ? nameIfNameable(skip.deviceId, skip.occurrence) : undefined;
    if (skip.reason === 'running' && executionName && runningByDevice.get(skip.deviceId)?.includes(executionName)) {
      alreadyRunning.push({ deviceId: skip.deviceId, executionName });
      continue;
    }
    const message =
      skip.reason === 'running'
        ? `${skip.deviceId}: occurrence ${occurrence} not started: a backup of this device is still running (${runningByDevice.get(skip.deviceId)?.join(', ')})`
        : `${skip.deviceId}: ${skip.occurrence ? `occurrence ${occurrence} not started: ` : ''}${skip.detail}`;
    skipped.push({ deviceId: skip.deviceId, occurrence, reason: skip.reason, message, ...(executionName ? { executionName } : {}) });
  }

  // Carried-over runs: superseded by a newer due occurrence of the device, dropped when too late,
  // skipped when the device runs something else, else candidates before this tick's due runs.
  const scheduled = new Set(input.devices.map((d) => d.id));
  const carried: PlannedStart[] = [];
  const pending = [...(input.state?.pending ?? [])].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || compare(a.deviceId, b.deviceId));
  const seenPending = new Set<string>();
  for (const p of pending) {
    if (seenPending.has(p.deviceId)) {
      skipped.push(pendingSkip(p, 'superseded', `a newer carried-over occurrence of this device replaces it`));
      continue;
    }
    seenPending.add(p.deviceId);
    if (!scheduled.has(p.deviceId)) {
      skipped.push(pendingSkip(p, 'invalid', 'the device no longer has a schedule in the config'));
      continue;
    }
    const newer = due.get(p.deviceId);
    if (newer && newer.executionName !== p.executionName) {
      skipped.push(pendingSkip(p, 'superseded', `occurrence ${formatInstant(newer.occurrence)} of the same device is due now and replaces it`));
      continue;
    }
    due.delete(p.deviceId);
    const lateMs = now.getTime() - Date.parse(p.dueAt);
    if (lateMs > maxLateness * MINUTE) {
      skipped.push(pendingSkip(p, 'too-late', `due at ${p.dueAt}, ${Math.round(lateMs / MINUTE)} min ago, more than maxLatenessMinutes=${maxLateness}`));
      continue;
    }
    const names = runningByDevice.get(p.deviceId);
    if (names?.includes(p.executionName)) {
      alreadyRunning.push({ deviceId: p.deviceId, executionName: p.executionName });
      continue;
    }
    if (names) {
      skipped.push(pendingSkip(p, 'running', `a backup of this device is still running (${names.join(', ')})`));
      continue;
    }
    carried.push({
      deviceId: p.deviceId,
      occurrence: new Date(p.occurrence),
      dueAt: new Date(p.dueAt),
      executionName: p.executionName,
      origin: 'pending',
      since: p.since,
    });
  }

  const candidates = [...carried, ...plan.due.filter((r) => due.has(r.deviceId)).map((r) => due.get(r.deviceId)!)];
  const slots = input.maxConcurrentBackups === undefined ? candidates.length : Math.max(0, input.maxConcurrentBackups - input.running.length);
  const start = candidates.slice(0, slots);
  const deferred: PendingRun[] = candidates.slice(slots).map((c) => ({
    deviceId: c.deviceId,
    occurrence: formatInstant(c.occurrence),
    executionName: c.executionName,
    dueAt: formatInstant(c.dueAt),
    reason: 'cap',
    since: c.since ?? formatInstant(now),
  }));
  const nextLastTick = lastTick && lastTick.getTime() > now.getTime() ? lastTick : now;
  return { windowStart: plan.windowStart, lastTick: nextLastTick, start, alreadyRunning, deferred, skipped };
}

function pendingSkip(p: PendingRun, reason: TickSkip['reason'], detail: string): TickSkip {
  return {
    deviceId: p.deviceId,
    occurrence: p.occurrence,
    reason,
    message: `${p.deviceId}: carried-over occurrence ${p.occurrence} not started: ${detail}`,
    executionName: p.executionName,
  };
}

/** The occurrence's execution name; undefined for ids that make none (planDispatch reports those as invalid). */
function nameIfNameable(deviceId: string, occurrence: Date): string | undefined {
  try {
    return executionNameFor(deviceId, occurrence);
  } catch {
    return undefined;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
