import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BackupRunnerError } from '../common/errors';
import { EVENT_SOURCE } from './events';
import { METRIC_NAMESPACE, METRIC_SERVICE, type MetricUnitName } from './metric-plan';
import type { ExecutionLookup, MetricSink, RunnerEventSink } from './ports';
import { transferSecondsFrom } from './transfer-time';

const UNITS: Readonly<Record<MetricUnitName, (typeof MetricUnit)[keyof typeof MetricUnit]>> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Bytes: MetricUnit.Bytes,
  'Megabytes/Second': MetricUnit.MegabytesPerSecond,
  None: MetricUnit.NoUnit,
};

/**
 * Metrics as CloudWatch embedded metric format (EMF) lines on stdout, which Lambda's log
 * pipeline turns into metrics: no PutMetricData call, no extra permission. One EMF document per
 * publish, so fleet-wide and per-device points never share a dimension set.
 */
export function powertoolsMetricSink(metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE })): MetricSink {
  return {
    publish(points, deviceId) {
      if (points.length === 0) return;
      if (deviceId) metrics.addDimension('deviceId', deviceId);
      for (const p of points) metrics.addMetric(p.name, UNITS[p.unit], p.value);
      metrics.publishStoredMetrics();
    },
  };
}

/** Runner events on an event bus (the default one unless told otherwise). */
export function eventBridgeRunnerEventSink(client: EventBridgeClient, eventBusName = 'default'): RunnerEventSink {
  return {
    async publish(event) {
      const answer = await client.send(
        new PutEventsCommand({ Entries: [{ Source: EVENT_SOURCE, DetailType: event.detailType, Detail: JSON.stringify(event.detail), EventBusName: eventBusName }] }),
      );
      if ((answer.FailedEntryCount ?? 0) > 0) {
        const entry = answer.Entries?.find((e) => e.ErrorCode);
        const of = 'executionName' in event.detail ? ` of ${event.detail.executionName}` : '';
        throw new BackupRunnerError(`EventBridge did not take the "${event.detailType}" event${of}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(), {
          ...('deviceId' in event.detail ? { deviceId: event.detail.deviceId } : {}),
        });
      }
    },
  };
}

/** Execution history and failure details from Step Functions. */
export function sfnExecutionLookup(client: SFNClient): ExecutionLookup {
  return {
    async transferSeconds(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: false, nextToken }));
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return transferSecondsFrom(events);
    },
    async failure(executionArn) {
      const answer = await client.send(new DescribeExecutionCommand({ executionArn }));
      return { ...(answer.error ? { error: answer.error } : {}), ...(answer.cause ? { cause: answer.cause } : {}) };
    },
  };
}
