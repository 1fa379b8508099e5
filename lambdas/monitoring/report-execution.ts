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
  const points = metricsFor(event);
  if (points.fleet.length) deps.metrics.publish(points.fleet);
  if (points.device.length) deps.metrics.publish(points.device, event.detail.deviceId);
  await deps.events.publish(event);
  const level = event.detailType.endsWith('Failed') ? 'error' : 'info';
  deps.log[level](event.detailType, { ...event.detail });
  return event;
}

function workflowOf(stateMachineArn: string, deps: ReportDeps): WorkflowKind | undefined {
  if (stateMachineArn === deps.backupStateMachineArn) return 'backup';
  if (stateMachineArn === deps.restoreStateMachineArn) return 'restore';
  return undefined;
}
