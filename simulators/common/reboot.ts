/**
 * A device's reboot after a restore: it refuses connections for a time and, when a test asks for
 * it, until it has refused a number of them. The second condition is for tests that must see the
 * reboot: a fixed window of a second or two can pass unseen on a loaded machine; a count cannot.
 */
export class RebootWindow {
  private downUntil = 0;
  private refusalsLeft = 0;

  /** `minRefusals`: connections (or requests) each reboot refuses at least, however long it takes. */
  constructor(private readonly minRefusals = 0) {}

  /** Starts a reboot of at least `ms` at `now`; returns when its time part ends. */
  begin(now: number, ms: number): number {
    this.downUntil = now + ms;
    this.refusalsLeft = this.minRefusals;
    return this.downUntil;
  }

  /** Whether the device answers at `now`; a refusal counts towards `minRefusals`. */
  admits(now: number): boolean {
    if (now >= this.downUntil && this.refusalsLeft === 0) return true;
    if (this.refusalsLeft > 0) this.refusalsLeft -= 1;
    return false;
  }
}
