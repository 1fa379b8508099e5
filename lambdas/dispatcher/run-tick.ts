import type { Log } from '../common/log';
import { mapLimit } from '../common/map-limit';
import type { RunnerConfig } from '../config/schema';
import { formatInstant } from '../schedule/format';
import type { DispatchDevice } from '../schedule';
import { DispatcherStateConflict } from './errors';
import { planTick, type PlannedStart, type TickSkip } from './plan-tick';
import type { BackupExecutions, DispatcherStateStore, SkipEventSink } from './ports';
import type { DispatcherState, PendingRun } from './state';

/**
 * One dispatcher tick, I/O at the edges: read the state, list running executions, plan
 * (planTick, pure), start the executions, save the state, report skips.
 *
 * Exactly once, and nothing lost, also when a step fails half-way:
 * - Execution names are `<deviceId>-<occurrence>`; Step Functions refuses a second start of a
 *   name, which is counted as "already started", never as an error. So any tick may be planned
 *   and carried out again without starting anything twice. The input carries the tick's time
 *   (`dispatchedAt`): Step Functions answers a start of a running execution with the same name
 *   and input with success (its idempotency, for a client's own retry), which a second tick must
 *   not count as its start; with another input it gets ExecutionAlreadyExists.
 * - lastTick advances to this tick's `now` even when some StartExecution calls fail: those
 *   occurrences are carried over in the state (`start-failed`, with their names) and tried again
 *   every tick until they start or pass maxLatenessMinutes (then reported). Not advancing it
 *   instead would let one failing device hold every other device's window open.
 * - The state is saved only after the starts: if saving fails, the next tick plans the same
 *   window again from the old state, and the names turn what already started into no-ops.
 * - Two ticks at once (EventBridge delivers at least once): the state is written with the
 *   version it was read at; the loser of the race plans its tick again from the winner's state.
 */

export interface DispatcherDeps {
  readonly config: RunnerConfig;
  readonly executions: BackupExecutions;
  readonly store: DispatcherStateStore;
  readonly events: SkipEventSink;
  readonly log: Log;
  readonly now: () => Date;
  /** StartExecution calls in flight at once. @default 8 */
  readonly concurrency?: number;
}

export interface TickOutcome {
  /** The window planned: (windowStart, now]. */
  windowStart: string;
  now: string;
  /** Execution names started by this tick. */
  started: string[];
  /** Names that existed already (an earlier or doubled tick started them). */
  alreadyStarted: string[];
  /** Carried over to the next tick: fleet cap, or StartExecution failed. */
  pending: PendingRun[];
  skipped: TickSkip[];
  /** Skip events EventBridge did not take (they are in the log all the same). */
  eventsNotPublished: number;
}

/** How often a tick that lost a state-write race is planned again. */
const MAX_ROUNDS = 3;

export async function runDispatchTick(deps: DispatcherDeps): Promise<TickOutcome> {
  for (let round = 1; ; round++) {
    try {
      return await tickOnce(deps);
    } catch (error) {
      if (!(error instanceof DispatcherStateConflict) || round >= MAX_ROUNDS) throw error;
      deps.log.warn('another tick saved the dispatcher state first; planning this tick again', { round });
    }
  }
}

async function tickOnce(deps: DispatcherDeps): Promise<TickOutcome> {
  const { log } = deps;
  const loaded = await deps.store.load();
  if (loaded.problem) log.warn('dispatcher state unreadable; planning as a first tick (execution names prevent double starts)', { problem: loaded.problem });
  const running = await deps.executions.listRunning();
  const now = deps.now();
  const scheduler = deps.config.scheduler;
  const plan = planTick({
    devices: scheduledDevices(deps.config),
    state: loaded.state,
    now,
    running,
    maxLatenessMinutes: scheduler.maxLatenessMinutes,
    jitterMinutes: scheduler.jitterMinutes,
    maxConcurrentBackups: scheduler.maxConcurrentBackups,
  });

  const results = await mapLimit(plan.start, deps.concurrency ?? 8, async (run) => {
    try {
      const input = { deviceId: run.deviceId, occurrence: formatInstant(run.occurrence), trigger: 'schedule' as const, dispatchedAt: now.toISOString() };
      const outcome = await deps.executions.start(run.executionName, input);
      return { ok: true, run, outcome } as const;
    } catch (error) {
      return { ok: false, run, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } as const;
    }
  });
  const started: string[] = [];
  const alreadyStarted = plan.alreadyRunning.map((r) => r.executionName);
  const failed: PendingRun[] = [];
  for (const result of results) {
    if (!result.ok) {
      failed.push(pendingOf(result.run, now, result.error));
      log.error('StartExecution failed; the occurrence is carried over to the next tick', {
        deviceId: result.run.deviceId,
        executionName: result.run.executionName,
        error: result.error,
      });
    } else if (result.outcome === 'started') {
      started.push(result.run.executionName);
      log.info('backup started', { deviceId: result.run.deviceId, executionName: result.run.executionName, origin: result.run.origin });
    } else {
      alreadyStarted.push(result.run.executionName);
      log.info('backup was started before (execution name exists)', { deviceId: result.run.deviceId, executionName: result.run.executionName });
    }
  }
  const pending = [...failed, ...plan.deferred].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || (a.deviceId < b.deviceId ? -1 : 1));
  const state: DispatcherState = { version: 1, lastTick: plan.lastTick.toISOString(), pending };
  await deps.store.save(state, loaded.token);

  for (const skip of plan.skipped) log.warn('backup skipped', { ...skip });
  for (const p of plan.deferred) log.info('backup deferred by maxConcurrentBackups', { deviceId: p.deviceId, executionName: p.executionName });
  let eventsNotPublished = 0;
  if (plan.skipped.length > 0) {
    try {
      eventsNotPublished = await deps.events.publish(plan.skipped);
    } catch (error) {
      eventsNotPublished = plan.skipped.length;
      log.error('could not publish Backup Skipped events', { error: error instanceof Error ? error.message : String(error) });
    }
    if (eventsNotPublished > 0) log.error('some Backup Skipped events were not published', { count: eventsNotPublished });
  }
  const outcome: TickOutcome = {
    windowStart: plan.windowStart.toISOString(),
    now: now.toISOString(),
    started,
    alreadyStarted,
    pending,
    skipped: [...plan.skipped],
    eventsNotPublished,
  };
  log.info('dispatcher tick', {
    windowStart: outcome.windowStart,
    now: outcome.now,
    started: started.length,
    alreadyStarted: alreadyStarted.length,
    pending: pending.length,
    skipped: plan.skipped.length,
    running: running.length,
  });
  return outcome;
}

function scheduledDevices(config: RunnerConfig): DispatchDevice[] {
  const devices: DispatchDevice[] = [];
  for (const device of config.devices) if (device.schedule) devices.push({ id: device.id, schedule: device.schedule });
  return devices;
}

function pendingOf(run: PlannedStart, now: Date, error: string): PendingRun {
  return {
    deviceId: run.deviceId,
    occurrence: formatInstant(run.occurrence),
    executionName: run.executionName,
    dueAt: formatInstant(run.dueAt),
    reason: 'start-failed',
    since: run.since ?? formatInstant(now),
    error,
  };
}
