import { DeviceProtocolError } from '../../common/errors';
import type { FgRunning } from './responses';

/**
 * How far the gateway's clock may be behind the runner's. `timeStamp` is the gateway's own clock
 * (epoch seconds); a status whose timeStamp is older than this run's start by more than this is
 * an earlier run's, whatever else it says.
 */
export const FG_CLOCK_SKEW_ALLOWANCE_SECONDS = 600;

/** What a run (backup or restore) remembers to tell its own status from an earlier run's. */
export interface RunMarker {
  /** The runner's clock when the run was asked for (epoch ms). */
  startedAtMs: number;
  /** The `timeStamp` the status showed just before the POST (an earlier run's), or null when it showed none. */
  previousTimeStamp: string | null;
  /**
   * The status shown just before the POST (upper case), or null when none was shown or the handle
   * predates this field. `timeStamp` has whole seconds, so a run started within the second the
   * earlier one started (a re-run right after a fast failure) shows the same timeStamp; a changed
   * status then tells it apart.
   */
  previousStatus?: string | null;
}

/** The status as the handle keeps it: upper case, or null when the gateway showed none. */
export function statusOf(status: FgRunning | undefined): string | null {
  const value = status?.status?.trim().toUpperCase();
  return value === undefined || value === '' || value === 'NONE' ? null : value;
}

/** The timeStamp as the handle keeps it (the seed types it a string; the example gives a number). */
export function timeStampOf(status: FgRunning | undefined): string | null {
  const value = status?.timeStamp;
  return value === undefined || value === null || String(value).trim() === '' ? null : String(value).trim();
}

/**
 * Whether a `running` (or GET /restore) status is this run's. The seed: `running` is the "latest
 * started backup, either running or finished", so right after the POST it may still show the
 * previous run, finished; an old ERROR must not fail this run, an old COMPLETED must not end it.
 * It is ours when its timeStamp differs from the one shown before the POST and is not older than
 * our start, allowing for a gateway clock up to FG_CLOCK_SKEW_ALLOWANCE_SECONDS behind; or when the
 * timeStamp is the same (both runs started within one second) but the status is not the one shown
 * before the POST. The same timeStamp and the same status stay the earlier run's: a run that fails
 * within the second its predecessor started and never shows EXECUTING waits for the poll limit
 * rather than being mistaken for the earlier run's outcome. Pure.
 */
export function isThisRun(status: FgRunning | undefined, marker: RunMarker | undefined, deviceId: string, what: string): boolean {
  const state = (status?.status ?? 'NONE').trim().toUpperCase();
  if (state === 'NONE') return false;
  // A handle from before run markers (an execution that spanned an upgrade): as that runner did.
  if (!marker) return true;
  const stamp = timeStampOf(status);
  if (stamp === null) {
    throw new DeviceProtocolError(`${what} shows status ${state} without a timeStamp: cannot tell this run from an earlier one`, { deviceId });
  }
  if (stamp === marker.previousTimeStamp) {
    return marker.previousStatus !== undefined && marker.previousStatus !== null && state !== marker.previousStatus;
  }
  const seconds = Number(stamp);
  if (!Number.isFinite(seconds)) throw new DeviceProtocolError(`${what} gives timeStamp "${stamp}", not epoch seconds`, { deviceId });
  return seconds >= marker.startedAtMs / 1000 - FG_CLOCK_SKEW_ALLOWANCE_SECONDS;
}

/** The marker a handle carries (startBackup / startRestore wrote it); undefined in a handle from before markers. */
export function markerOf(handle: Readonly<Record<string, string | number | boolean | null>>): RunMarker | undefined {
  const startedAtMs = handle.startedAtMs;
  const previous = handle.previousTimeStamp;
  const previousStatus = handle.previousStatus;
  if (typeof startedAtMs !== 'number' || !(typeof previous === 'string' || previous === null)) return undefined;
  return { startedAtMs, previousTimeStamp: previous, ...(typeof previousStatus === 'string' || previousStatus === null ? { previousStatus } : {}) };
}

/** The marker's fields for a handle. */
export function markerFields(marker: RunMarker): { startedAtMs: number; previousTimeStamp: string | null; previousStatus: string | null } {
  return { startedAtMs: marker.startedAtMs, previousTimeStamp: marker.previousTimeStamp, previousStatus: marker.previousStatus ?? null };
}
