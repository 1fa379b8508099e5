/**
 * The dispatcher: every `scheduler.tickMinutes` an EventBridge rule runs one tick, which starts
 * one backup execution per device and due occurrence (lambdas/handlers/dispatch.ts).
 *
 * - planTick (pure) decides; runDispatchTick does the I/O through ports (BackupExecutions,
 *   DispatcherStateStore, SkipEventSink) bound to Step Functions, S3 and EventBridge in Lambda,
 *   and to in-process stand-ins in tests and local runs (MemoryDispatcherStateStore,
 *   cli/local/local-step-functions.ts).
 * - Exactly once: execution name `<deviceId>-<YYYYMMDDTHHMMZ>`; an existing name is "already
 *   started". The state (lastTick, carried-over occurrences) is one JSON object in the archive
 *   bucket at `_backup-runner/dispatcher-state.json`, written with the ETag it was read at.
 * - Skips (device running, too late, superseded, invalid) are logged and sent as EventBridge
 *   `Backup Skipped` events (source `backup-runner`) on the default bus.
 */
export { DispatcherError, DispatcherStateConflict } from './errors';
export { deviceIdFromExecutionInput } from './execution-input';
export { deviceIdFromExecutionName } from '../schedule/execution-names';
export { eventBridgeSkipSink, putEventsEntry, SKIP_EVENT_DETAIL_TYPE, SKIP_EVENT_SOURCE } from './eventbridge-sink';
export { MemoryDispatcherStateStore } from './memory-state-store';
export { planTick, type PlannedStart, type PlanTickInput, type TickPlan, type TickSkip } from './plan-tick';
export type { BackupExecutions, BackupSkippedDetail, DispatcherStateStore, RunningExecution, SkipEventSink } from './ports';
export { runDispatchTick, type DispatcherDeps, type TickOutcome } from './run-tick';
export { s3DispatcherStateStore } from './s3-state-store';
export { sfnBackupExecutions, type SfnLike } from './sfn-executions';
export { DISPATCHER_STATE_KEY, parseDispatcherState, serializeDispatcherState, type DispatcherState, type PendingRun } from './state';
