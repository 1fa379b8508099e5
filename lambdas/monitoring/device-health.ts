/**
 * Which devices' latest backup failed, kept between executions so that the fleet alarm can count
 * them and the operator is told about each device once per problem: when it starts failing, not
 * at every failed run. The execution reporter records every finished backup; the fleet health
 * check reads the failing ones (lambdas/monitoring/check-freshness.ts).
 */

/** A finished backup execution, as the health record needs it. */
export interface BackupOutcome {
  readonly deviceId: string;
  readonly executionName: string;
  /** When the execution stopped (ISO-8601): a later outcome replaces an earlier one, never the reverse. */
  readonly stoppedAt: string;
  readonly failed: boolean;
  /** The typed error's name and message (failed runs only). */
  readonly error?: string;
  readonly cause?: string;
}

/** A device whose latest backup failed. */
export interface FailingDevice {
  readonly deviceId: string;
  /** When its first failure in a row stopped. */
  readonly since: string;
  /** When the reporter recorded that first failure: the health check reports a device once, in the window this falls in. */
  readonly recordedAt: string;
  /** The first failed execution of the streak, and its error. */
  readonly executionName: string;
  readonly error: string;
  readonly cause: string;
}

/**
 * What recording an outcome changed: `became-failing` and `recovered` are the transitions;
 * `stale-outcome` is an outcome older than the one recorded (events arrive out of order), ignored.
 */
export type HealthTransition = 'became-failing' | 'still-failing' | 'recovered' | 'still-ok' | 'stale-outcome';

export interface DeviceHealthStore {
  record(outcome: BackupOutcome, recordedAt: Date): Promise<HealthTransition>;
  /** Every device whose latest recorded backup failed. */
  failing(): Promise<FailingDevice[]>;
}

/** Longest error cause kept in a health record (the execution keeps the whole of it). */
export const MAX_CAUSE_CHARS = 1000;
