/**
 * Schedules: RRULE (RFC 5545 text or the npm.backup 2.0 object) + time zone -> occurrences ->
 * dispatch plan. All pure; the dispatcher Lambda and the CLI call these.
 *
 * Decisions worth knowing:
 * - No DTSTART: 2000-01-01T00:00:00 local in the zone (DEFAULT_DTSTART), so INTERVAL>1 rules have
 *   a fixed phase and missing parts come from it (a bare FREQ=WEEKLY runs Saturdays at 00:00).
 * - Times follow RFC 5545 3.3.5: a gap time uses the offset before the gap (02:30 -> 03:30), an
 *   overlap time is its first instance. COUNT counts wall-clock occurrences; instants that
 *   coincide (a gap time landing on another occurrence) are kept once. UNTIL is inclusive, an
 *   instant when written with Z, else a local time (a bare date: through the end of that day).
 * - Minute resolution: FREQ=SECONDLY and several BYSECOND values are refused (execution names
 *   carry the minute, and the dispatcher ticks every few minutes).
 * - The rule's own zone (DTSTART;TZID=, a ...Z DTSTART = UTC, the object's `timezone`) and the
 *   device's `timezone` must agree when both are given.
 * - "No occurrence" is checked within DEFAULT_HORIZON_YEARS (100) of DTSTART (config schema) or
 *   of now (`validateSchedule(..., now)`, `scheduleProblemsAt`).
 * - Dispatch: per device and tick at most one run, the latest occurrence due in (lastTick, now];
 *   jitter delays when an occurrence becomes due (stable per device), never its name.
 */
export { ScheduleError, type ScheduleErrorCode } from './errors';
export {
  DEFAULT_DTSTART,
  DEFAULT_HORIZON_YEARS,
  nextOccurrences,
  occurrencesBetween,
  parseSchedule,
  previousOccurrence,
  validateSchedule,
  type Schedule,
  type ScheduleInput,
} from './schedule';
export {
  DEFAULT_MAX_LATENESS_MINUTES,
  jitterOffsetSeconds,
  planDispatch,
  type DispatchDevice,
  type DispatchPlan,
  type DueRun,
  type PlanDispatchInput,
  type SkippedRun,
  type SkipReason,
} from './dispatch';
export {
  deviceIdFromExecutionName,
  executionNameFor,
  manualExecutionName,
  parseExecutionName,
  restoreExecutionName,
  type ExecutionKind,
  type ParsedExecutionName,
} from './execution-names';
export { formatInstant } from './format';
export { scheduleProblemsAt } from './config-check';
