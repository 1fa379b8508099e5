import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionSnapshot {
  status: ExecutionStatus;
  /** The state the execution is in (or last entered). */
  state?: string;
  startDate?: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

/** The state an execution is in: the newest StateEntered event of a (newest-first) history page. */
export function currentState(newestFirst: readonly HistoryEvent[]): string | undefined {
  for (const event of newestFirst) {
    if (event.type?.endsWith('StateEntered')) return event.stateEnteredEventDetails?.name;
  }
  return undefined;
}

/** One look at an execution: DescribeExecution plus the newest history events for its current state. */
export async function snapshot(sfn: SFNClient, executionArn: string): Promise<ExecutionSnapshot> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25, includeExecutionData: false }));
  const state = currentState(history.events ?? []);
  return {
    status: (described.status ?? 'RUNNING') as ExecutionStatus,
    ...(state ? { state } : {}),
    ...(described.startDate ? { startDate: described.startDate } : {}),
    ...(described.stopDate ? { stopDate: described.stopDate } : {}),
    ...(described.output ? { output: described.output } : {}),
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
  };
}

export interface WaitOptions {
  /** Between looks. @default 5000 */
  intervalMs?: number;
  /** Called after each look (the progress display). */
  onProgress?: (s: ExecutionSnapshot) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Polls until the execution is no longer RUNNING; returns the last snapshot. */
export async function waitForExecution(sfn: SFNClient, executionArn: string, options: WaitOptions = {}): Promise<ExecutionSnapshot> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const current = await snapshot(sfn, executionArn);
    options.onProgress?.(current);
    if (current.status !== 'RUNNING') return current;
    await sleep(options.intervalMs ?? 5000);
  }
}

/** `  12 s  PollBackup` for a TTY line (rewritten in place) or a log line. */
export function progressLine(name: string, s: ExecutionSnapshot, now: Date): string {
  const since = s.startDate ? Math.round(((s.stopDate ?? now).getTime() - s.startDate.getTime()) / 1000) : 0;
  return `${name}  ${s.status}  ${formatDuration(since)}${s.state ? `  ${s.state}` : ''}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
