/**
 * What the person at the terminal sees when a step failed and will be tried again: one line per
 * failed attempt (device, reason, next try in N s, attempt k of n), without --verbose. The local
 * Step Functions library retries silently and only says so after the wait; this follows the
 * state's Retry rules the way the library applies them (src: aws-local-stepfunctions
 * StateExecutor.shouldRetry, matching AWS): the first rule whose ErrorEquals names the error (or
 * States.ALL; States.TaskFailed for a Task) decides; its attempts count within one entry of the
 * state; the wait is IntervalSeconds x BackoffRate^(retries so far), capped by MaxDelaySeconds.
 */

export interface Retrier {
  ErrorEquals: readonly string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface RetryNotice {
  deviceId: string;
  state: string;
  error: string;
  message: string;
  /** Seconds until the next try (with FULL jitter: at most this). */
  nextInSeconds: number;
  jitter: boolean;
  /** The attempt about to run (2 = the first retry) of all the rule allows. */
  attempt: number;
  attempts: number;
}

/** ASL defaults (the States Language spec). */
const DEFAULTS = { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 };

/**
 * The retry a failure leads to, given how many retries each rule of the state has used in this
 * entry (updated in place), or undefined when the error ends the state (no rule, or rule used up).
 * Pure apart from `used`. `intervalOverrideMs`: the local library's retryIntervalOverrides.
 */
export function nextRetry(
  retriers: readonly Retrier[],
  used: number[],
  error: string,
  options: { isTask: boolean; intervalOverrideMs?: number | readonly number[] },
): Pick<RetryNotice, 'nextInSeconds' | 'jitter' | 'attempt' | 'attempts'> | undefined {
  for (const [i, retrier] of retriers.entries()) {
    const matches = retrier.ErrorEquals.some((e) => e === error || e === 'States.ALL' || (e === 'States.TaskFailed' && options.isTask && error !== 'States.Timeout'));
    if (!matches) continue;
    const max = retrier.MaxAttempts ?? DEFAULTS.MaxAttempts;
    const done = used[i] ?? 0;
    if (done >= max) return undefined;
    used[i] = done + 1;
    const override = typeof options.intervalOverrideMs === 'number' ? options.intervalOverrideMs : options.intervalOverrideMs?.[i];
    const interval = override !== undefined && override >= 0 ? override / 1000 : (retrier.IntervalSeconds ?? DEFAULTS.IntervalSeconds) * (retrier.BackoffRate ?? DEFAULTS.BackoffRate) ** done;
    const capped = retrier.MaxDelaySeconds !== undefined ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
    return { nextInSeconds: Math.round(capped * 10) / 10, jitter: retrier.JitterStrategy === 'FULL' && override === undefined, attempt: done + 2, attempts: max + 1 };
  }
  return undefined;
}

export function retryNoticeLine(n: RetryNotice): string {
  const when = n.jitter ? `within ${n.nextInSeconds} s` : `in ${n.nextInSeconds} s`;
  return `${n.deviceId}: ${n.state} failed (${n.error}: ${n.message}); next try ${when} (attempt ${n.attempt} of ${n.attempts})`;
}

interface StateDefinition {
  Type?: string;
  Retry?: Retrier[];
  States?: Record<string, StateDefinition>;
  Branches?: Array<{ States?: Record<string, StateDefinition> }>;
  Iterator?: { States?: Record<string, StateDefinition> };
  ItemProcessor?: { States?: Record<string, StateDefinition> };
}

/** Every state of a definition by name, nested ones (Parallel, Map) included. */
export function statesByName(definition: { States?: Record<string, StateDefinition> }): Map<string, StateDefinition> {
  const found = new Map<string, StateDefinition>();
  const walk = (states: Record<string, StateDefinition> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      found.set(name, state);
      walk(state.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
      walk(state.Iterator?.States);
      walk(state.ItemProcessor?.States);
    }
  };
  walk(definition.States);
  return found;
}

/**
 * Follows one execution's Task outcomes: a failure of a state with a matching Retry rule left gives
 * a notice; a success or another state's step starts a new entry (the attempt counts start over).
 */
export function retryTracker(
  definition: object,
  deviceId: string,
  intervalOverrides: Readonly<Record<string, number | readonly number[]>> = {},
): { succeeded(state: string): void; failed(state: string, error: unknown): RetryNotice | undefined } {
  const states = statesByName(definition as { States?: Record<string, StateDefinition> });
  let current: { state: string; used: number[] } | undefined;
  const entry = (state: string) => {
    if (current?.state !== state) current = { state, used: [] };
    return current;
  };
  return {
    succeeded(state) {
      if (current?.state === state) current = undefined;
    },
    failed(state, error) {
      const definitionOf = states.get(state);
      const name = error instanceof Error ? error.name : 'Error';
      const full = error instanceof Error ? error.message : String(error);
      // Typed errors start with the device id; the line names it once.
      const message = full.startsWith(`${deviceId}: `) ? full.slice(deviceId.length + 2) : full;
      const next = nextRetry(definitionOf?.Retry ?? [], entry(state).used, name, { isTask: definitionOf?.Type === 'Task', intervalOverrideMs: intervalOverrides[state] });
      if (!next) {
        current = undefined;
        return undefined;
      }
      return { deviceId, state, error: name, message, ...next };
    },
  };
}
