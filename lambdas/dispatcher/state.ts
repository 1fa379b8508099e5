import { z } from 'zod';

/**
 * What the dispatcher remembers between ticks: one small JSON object.
 *
 * Kept in the archive bucket at DISPATCHER_STATE_KEY: the bucket exists anyway (no table or
 * parameter to add), it is encrypted and versioned, and the key cannot collide with backups:
 * archive keys start with `<prefix><deviceId>/` and device ids are `[a-z0-9-]`, so a key that
 * starts with `_` is never a device's, also with an empty prefix, and the catalog (list, prune,
 * verify) ignores every key that is not an archive key.
 */
/** Where the runner keeps its own small state objects in the archive bucket: no device id can start with `_`. */
export const RUNNER_STATE_PREFIX = '_backup-runner/';
export const DISPATCHER_STATE_KEY = `${RUNNER_STATE_PREFIX}dispatcher-state.json`;

/** Why an occurrence is carried over to the next tick instead of started now. */
export type PendingReason = 'cap' | 'start-failed';

/** An occurrence planned but not started yet; it keeps its execution name, so it still runs at most once. */
export interface PendingRun {
  deviceId: string;
  /** ISO-8601 UTC. */
  occurrence: string;
  executionName: string;
  /** When it became due (occurrence + jitter), ISO-8601 UTC: maxLateness counts from here. */
  dueAt: string;
  reason: PendingReason;
  /** The tick that first carried it over, ISO-8601 UTC. */
  since: string;
  /** StartExecution's error, for `start-failed`. */
  error?: string;
}

export interface DispatcherState {
  version: 1;
  /** The `now` of the last tick that was planned and saved: the next window starts after it. */
  lastTick: string;
  /** Carried-over occurrences, oldest due first. */
  pending: PendingRun[];
}

const iso = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 time');

const stateSchema = z.object({
  version: z.literal(1),
  lastTick: iso,
  pending: z.array(
    z.object({
      deviceId: z.string().min(1),
      occurrence: iso,
      executionName: z.string().min(1),
      dueAt: iso,
      reason: z.enum(['cap', 'start-failed']),
      since: iso,
      error: z.string().optional(),
    }),
  ),
});

/**
 * Reads a stored state. Anything unreadable is treated as no state (first tick) rather than an
 * error that stops every schedule: without a state the window is the last maxLatenessMinutes,
 * and execution names keep anything in it from running twice. `problem` says what was wrong.
 */
export function parseDispatcherState(text: string): { state: DispatcherState | undefined; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { state: undefined, problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) return { state: undefined, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ') };
  return { state: parsed.data as DispatcherState };
}

export function serializeDispatcherState(state: DispatcherState): string {
  return `${JSON.stringify(state, null, 1)}\n`;
}
