import type { Log } from '../common/log';
import type { FleetNotice, RunnerEvent } from './events';
import type { DeviceHealthStore } from './device-health';
import type { MetricPoint } from './metric-plan';

/** Where metrics go: Powertools EMF in Lambda, an array in tests. */
export interface MetricSink {
  /** Publishes the points with the `deviceId` dimension when given, else fleet-wide. */
  publish(points: readonly MetricPoint[], deviceId?: string): void;
}

/** Where runner events go: EventBridge's default bus in Lambda. */
export interface RunnerEventSink {
  publish(event: RunnerEvent | FleetNotice): Promise<void>;
}

/** What the event does not carry, read from Step Functions. */
export interface ExecutionLookup {
  /** Seconds in TransferToArchive, from the execution history; null when it has none. */
  transferSeconds(executionArn: string): Promise<number | null>;
  /** error and cause of a failed execution (DescribeExecution). */
  failure(executionArn: string): Promise<{ error?: string; cause?: string }>;
}

export interface ReportDeps {
  backupStateMachineArn: string;
  restoreStateMachineArn: string;
  metrics: MetricSink;
  events: RunnerEventSink;
  executions: ExecutionLookup;
  /** Where each device's latest backup outcome is kept (the FailingDevices count, once-per-problem notices). */
  health: DeviceHealthStore;
  log: Log;
  now: () => Date;
}
