/**
 * How long an execution spent transferring: the sum of every TransferToArchive Task's time
 * (a long transfer continues over several invocations), from the execution history's
 * TaskStateEntered / TaskStateExited pairs. Pure: the report Lambda pages the history in.
 */
export interface HistoryEventLike {
  type?: string;
  timestamp?: Date;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string };
}

export function transferSecondsFrom(events: readonly HistoryEventLike[], stateName = 'TransferToArchive'): number | null {
  let total = 0;
  let seen = false;
  let enteredAt: number | undefined;
  for (const event of events) {
    if (event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === stateName && event.timestamp) {
      enteredAt = event.timestamp.getTime();
    } else if (event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === stateName && event.timestamp && enteredAt !== undefined) {
      total += event.timestamp.getTime() - enteredAt;
      enteredAt = undefined;
      seen = true;
    }
  }
  return seen ? total / 1000 : null;
}
