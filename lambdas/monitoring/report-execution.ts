import { runnerEventFor, type ExecutionStatusChange, type WorkflowKind } from './execution-outcome';
import type { RunnerEvent } from './events';
import { metricsFor } from './metric-plan';
import type { ReportDeps } from './ports';

/**
 * Reports one finished backup or restore execution: the runner event (`Backup Succeeded`,
 * `Backup Failed`, `Restore Succeeded`, `Restore Failed`) and the metrics. Driven by Step
 * Functions' own status-change event, so an execution that failed, timed out or was aborted,
 * which never reaches a final step of ours, is counted like a success is.
 */
export async function reportExecution(change: ExecutionStatusChange, deps: ReportDeps): Promise<RunnerEvent | undefined> {
  const kind = workflowOf(change.stateMachineArn, deps);
  if (!kind) {
    deps.log.warn('status change of an unknown state machine ignored', { stateMachineArn: change.stateMachineArn, executionName: change.name });
    return undefined;
  }
  const extras: { transferSeconds?: number | null; error?: string; cause?: string } = {};
  // Lookups only enrich the report: a throttled API must not cost the event and the metrics.
  try {
    if (kind === 'backup' && change.status === 'SUCCEEDED') extras.transferSeconds = await deps.executions.transferSeconds(change.executionArn);
    if (change.status !== 'SUCCEEDED' && !change.error) Object.assign(extras, await deps.executions.failure(change.executionArn));
  } catch (error) {
    deps.log.warn('could not read the execution from Step Functions; reporting what the event says', { executionName: change.name, error: String(error) });
  }
  const event = runnerEventFor(kind, change, extras);
  if (!event) return undefined;
  // Recorded first: if this fails, the invocation is retried before anything is published twice.
  if (event.detailType === 'Backup Succeeded' || event.detailType === 'Backup Failed') await recordHealth(event, deps);
  const points = metricsFor(event);
  if (points.fleet.length) deps.metrics.publish(points.fleet);
  if (points.device.length) deps.metrics.publish(points.device, event.detail.deviceId);
  await deps.events.publish(event);
  const level = event.detailType.endsWith('Failed') ? 'error' : 'info';
  deps.log[level](event.detailType, { ...event.detail });
  return event;
}

/** Keeps the device's latest outcome: the fleet health check counts the failing devices and names the new ones once. */
async function recordHealth(event: Extract<RunnerEvent, { detailType: 'Backup Succeeded' | 'Backup Failed' }>, deps: ReportDeps): Promise<void> {
  const d = event.detail;
  if (d.deviceId === 'unknown') return;
  const transition = await deps.health.record(
    {
      deviceId: d.deviceId,
      executionName: d.executionName,
      stoppedAt: d.stoppedAt,
      failed: event.detailType === 'Backup Failed',
      ...(event.detailType === 'Backup Failed' ? { error: event.detail.error, cause: event.detail.cause } : {}),
    },
    deps.now(),
  );
  if (transition === 'became-failing') deps.log.warn('device started failing', { deviceId: d.deviceId, executionName: d.executionName });
  else if (transition === 'recovered') deps.log.info('device recovered', { deviceId: d.deviceId, executionName: d.executionName });
  else if (transition === 'stale-outcome') deps.log.info('an older outcome than the one recorded; health left as it is', { deviceId: d.deviceId, executionName: d.executionName });
}

function workflowOf(stateMachineArn: string, deps: ReportDeps): WorkflowKind | undefined {
  if (stateMachineArn === deps.backupStateMachineArn) return 'backup';
  if (stateMachineArn === deps.restoreStateMachineArn) return 'restore';
  return undefined;
}
