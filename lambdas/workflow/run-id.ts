import { createHash } from 'node:crypto';

/**
 * The run id is derived from the execution name, so a retried step (or a re-driven
 * execution) names the same archive object and never leaves two half-runs behind.
 */
export function runIdFor(executionName: string): string {
  return createHash('sha256').update(executionName).digest('hex').slice(0, 10);
}
