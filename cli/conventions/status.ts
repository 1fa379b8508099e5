import { z } from 'zod';

/**
 * Every `status` a command prints with --json, in one vocabulary and one casing (Step Functions'
 * own: SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING), whichever command printed it, so a script
 * can match on them without knowing which command ran.
 */
export const STATUSES = [
  // executions (run, backup-now, status, stack restore)
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'RUNNING',
  'STARTED',
  // restore and drill
  'PLANNED',
  'RESTORED',
  'RESTORED_WITH_ERRORS',
  // prune
  'PRUNED',
  // checks (verify, audit, status, demo)
  'OK',
  'PROBLEM',
  'STALE',
  'MISMATCH',
  'NO_MANIFEST',
  'NO_OBJECT',
  'BAD_MANIFEST',
  'READ_FAILED',
  'COLD',
] as const;

export type Status = (typeof STATUSES)[number];
export const statusSchema = z.enum(STATUSES);

/** A restore's outcome in that vocabulary. */
export function restoreStatus(verdict: 'restored' | 'restored-with-errors' | 'planned' | 'failed'): Status {
  return ({ restored: 'RESTORED', 'restored-with-errors': 'RESTORED_WITH_ERRORS', planned: 'PLANNED', failed: 'FAILED' } as const)[verdict];
}
