import { BackupRunnerError } from '../common/errors';

/** Why a schedule was refused; stable for tests and callers, the message carries the detail. */
export type ScheduleErrorCode =
  | 'syntax'
  | 'missing-freq'
  | 'unsupported'
  | 'count-and-until'
  | 'bysetpos-alone'
  | 'bymonthday-zero'
  | 'out-of-range'
  | 'incompatible'
  | 'unreachable'
  | 'unknown-zone'
  | 'zone-conflict'
  | 'no-occurrence';

/** A schedule (RRULE text or npm.backup 2.0 `recurrence_rule` object) that cannot be used, with the reason. */
export class ScheduleError extends BackupRunnerError {
  override name = 'ScheduleError';
  readonly code: ScheduleErrorCode;
  /** The config field at fault: the device's `timezone`, or (default) the `rrule` itself. */
  readonly field: 'rrule' | 'timezone';
  constructor(code: ScheduleErrorCode, message: string, options: { cause?: unknown; field?: 'rrule' | 'timezone' } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.field = options.field ?? 'rrule';
  }
}
