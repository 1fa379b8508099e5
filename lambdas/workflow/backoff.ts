/**
 * Seconds to wait before poll number `attempt + 1`: starts at the device's interval and grows
 * by half each time up to the cap, so short backups finish quickly and long ones cost few polls.
 */
export function nextPollWait(attempt: number, poll: { intervalSeconds: number; maxIntervalSeconds: number }): number {
  const grown = poll.intervalSeconds * 1.5 ** Math.max(0, attempt);
  return Math.min(poll.maxIntervalSeconds, Math.round(grown));
}
