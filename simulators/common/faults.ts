/**
 * Fault bookkeeping every simulated device shares. Fault objects are live (tests change them
 * between steps), so these helpers read and spend them in place.
 */

/** The fault "the next `count` requests answer this 5xx status" as each simulator declares it. */
export interface ServerErrorsFault {
  serverErrors?: { count: number; status?: number };
}

/**
 * Spends one of `faults.serverErrors` and returns the status to answer (default 503), or
 * undefined when no such fault is armed. The fault removes itself when its count is spent.
 */
export function takeServerError(faults: ServerErrorsFault): number | undefined {
  const fault = faults.serverErrors;
  if (!fault || fault.count <= 0) return undefined;
  fault.count -= 1;
  if (fault.count <= 0) delete faults.serverErrors;
  return fault.status ?? 503;
}

/**
 * The one-shot fault "after N authenticated requests, every credential dies once". It counts
 * from the moment the limit was set to its current value, so a test that arms it mid-run gets
 * N more requests, not N minus what the run already made.
 */
export class AuthenticatedRequestCountdown {
  private armedLimit: number | undefined;
  private countSinceArmed = 0;

  /**
   * Counts one authenticated request against `limit`; true (once) when the limit is reached: the
   * caller then revokes every credential, removes the fault and refuses this request.
   */
  reached(limit: number | undefined): boolean {
    if (limit !== this.armedLimit) {
      this.armedLimit = limit;
      this.countSinceArmed = 0;
    }
    if (limit !== undefined && this.countSinceArmed >= limit) {
      this.armedLimit = undefined;
      return true;
    }
    this.countSinceArmed += 1;
    return false;
  }
}
