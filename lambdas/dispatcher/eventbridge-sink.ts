import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BackupSkippedDetail, SkipEventSink } from './ports';

/** Source and detail-type of the events, for rules that match them. */
export const SKIP_EVENT_SOURCE = 'backup-runner';
export const SKIP_EVENT_DETAIL_TYPE = 'Backup Skipped';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/**
 * `Backup Skipped` events on an event bus (the default one unless told otherwise) through
 * EventBridge's PutEvents. Resolves to the number of events EventBridge did not take.
 */
export function eventBridgeSkipSink(client: EventBridgeClient, eventBusName = 'default'): SkipEventSink {
  return {
    async publish(events) {
      let failed = 0;
      for (let i = 0; i < events.length; i += BATCH) {
        const entries = events.slice(i, i + BATCH).map((detail) => putEventsEntry(detail, eventBusName));
        const answer = await client.send(new PutEventsCommand({ Entries: entries }));
        failed += answer.FailedEntryCount ?? 0;
      }
      return failed;
    },
  };
}

/** One PutEvents entry. */
export function putEventsEntry(detail: BackupSkippedDetail, eventBusName: string): PutEventsRequestEntry & Record<string, string> {
  return { Source: SKIP_EVENT_SOURCE, DetailType: SKIP_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail), EventBusName: eventBusName };
}
