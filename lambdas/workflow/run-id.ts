import { createHash } from 'node:crypto';

/**
 * The run id is derived from the execution name, so a retried step (or a re-driven
 * execution) names the same archive object and never leaves two half-runs behind.
 * A re-run of the whole backup inside the same execution (`retry.attempts`) is a new run:
 * attempt 2 and later get their own id, so their archive keys and device-side descriptions
 * never collide with an earlier attempt's (attempt 1 keeps the plain execution-name hash).
 */
export function runIdFor(executionName: string, attempt = 1): string {
  const seed = attempt > 1 ? `${executionName}#attempt-${attempt}` : executionName;
  return createHash('sha256').update(seed).digest('hex').slice(0, 10);
}
