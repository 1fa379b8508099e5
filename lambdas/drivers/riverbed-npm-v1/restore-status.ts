import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';
import type { RestoreProgress } from '../driver';

/** The seed's `restore_status` resource; statuses not_run, started, failed, completed, completed_with_errors. */
const restoreStatusSchema = z.looseObject({
  status: z.string().optional(),
  last_restore_time: z.number().nullish(),
  status_message: z.string().nullish(),
});

export type NpmRestoreStatus = z.output<typeof restoreStatusSchema>;

export function parseRestoreStatus(value: unknown, deviceId: string, what: string): NpmRestoreStatus {
  const result = restoreStatusSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the npm.backup 1.0 API describes: ${problems}`, { deviceId });
}

const FINAL = new Set(['completed', 'completed_with_errors', 'failed']);
/** Inferred: the seed lists only `started`; other in-flight words some versions may use. */
const RUNNING = new Set(['started', 'running', 'in_progress', 'restoring']);

/** How far the device's clock may be off the runner's when no reading of its own clock is at hand. */
export const NPM_CLOCK_SKEW_ALLOWANCE_SECONDS = 600;

/**
 * Since when a `last_restore_time` (the device's clock) belongs to our restore: after the value
 * the device itself showed just before our request (`deviceBefore`), which needs no clock at
 * all; without that reading, after our start on the runner's clock less the skew allowance.
 */
export function restoreAfterSeconds(options: { startedAtSeconds: number; deviceBefore: number | null }): number {
  return options.deviceBefore ?? options.startedAtSeconds - NPM_CLOCK_SKEW_ALLOWANCE_SECONDS;
}

/**
 * What restore_status says about the restore we started. A final status counts only with a
 * `last_restore_time` later than restoreAfterSeconds (device-apis.md: the device's clock, not the
 * runner's): before the reboot the device still shows the previous restore. `confirmed`: whether
 * the device answered our restore request; without that answer, a device that is up and shows no
 * newer restore did not take the request, and waiting longer would only hide it.
 */
export function restoreProgressOf(
  status: NpmRestoreStatus,
  options: { startedAtSeconds: number; deviceBefore: number | null; confirmed: boolean },
  deviceId: string,
): RestoreProgress {
  const name = status.status?.toLowerCase();
  const last = status.last_restore_time ?? 0;
  const message = status.status_message || undefined;
  if (name && FINAL.has(name) && last > restoreAfterSeconds(options)) {
    if (name === 'failed') return { state: 'failed', reason: message ?? 'the device gives no status_message' };
    return { state: 'completed', withErrors: name === 'completed_with_errors', ...(message ? { detail: message } : {}) };
  }
  if (name && RUNNING.has(name)) return { state: 'running', detail: message ?? name };
  if (name === 'not_run' || (name && FINAL.has(name))) {
    if (!options.confirmed) {
      return {
        state: 'failed',
        reason: `the restore request got no answer and the device, up again, shows no restore since it was sent (status ${name}, last_restore_time ${last})`,
      };
    }
    // Accepted but not begun yet (the reboot is still to come).
    return { state: 'running', detail: `waiting for the restore to begin (status ${name})` };
  }
  throw new DeviceProtocolError(
    `restore_status has ${name === undefined ? 'no status' : `unknown status "${status.status}"`} (expected not_run, started, failed, completed or completed_with_errors)`,
    { deviceId },
  );
}
