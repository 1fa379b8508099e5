import { MAX_ERROR_MESSAGE_CHARS } from '../common/errors';
import { untrustedText } from '../common/untrusted-text';
import type { RunnerEvent, TerminalStatus } from './events';

/**
 * The `detail` of Step Functions' "Step Functions Execution Status Change" event (EventBridge,
 * source aws.states), as far as the report needs it. Dates are epoch milliseconds; input and
 * output are JSON text (output only on success).
 */
export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: number;
  stopDate?: number | null;
  input?: string | null;
  output?: string | null;
  error?: string | null;
  cause?: string | null;
}

export type WorkflowKind = 'backup' | 'restore';

const TERMINAL: readonly string[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Seconds spent in TransferToArchive, read from the execution history; null when unknown. */
export interface OutcomeExtras {
  transferSeconds?: number | null;
  /** error and cause from DescribeExecution, when the event carried none. */
  error?: string | null;
  cause?: string | null;
}

/**
 * The runner event for one finished execution: a pure function of the Step Functions event (and,
 * for backups, how long the transfer took). Undefined for a status that is not terminal.
 */
export function runnerEventFor(kind: WorkflowKind, change: ExecutionStatusChange, extras: OutcomeExtras = {}): RunnerEvent | undefined {
  if (!TERMINAL.includes(change.status)) return undefined;
  const status = change.status as TerminalStatus;
  const input = parseObject(change.input);
  const output = parseObject(change.output);
  const stop = change.stopDate ?? change.startDate;
  const base = {
    deviceId: stringField(input, 'deviceId') ?? stringField(output, 'deviceId') ?? 'unknown',
    executionName: change.name,
    executionArn: change.executionArn,
    startedAt: new Date(change.startDate).toISOString(),
    stoppedAt: new Date(stop).toISOString(),
    durationSeconds: Math.max(0, (stop - change.startDate) / 1000),
  };
  const failure = () => ({
    error: change.error || extras.error || defaultError(status),
    cause: readableCause(change.cause || extras.cause || '') || `the execution ended ${status}`,
  });
  if (kind === 'backup') {
    const occurrence = stringField(input, 'occurrence') ?? null;
    const trigger = stringField(input, 'trigger') === 'schedule' ? 'schedule' : 'manual';
    if (status !== 'SUCCEEDED') {
      return { detailType: 'Backup Failed', detail: { ...base, status, occurrence, trigger, ...failure() } };
    }
    const archive = objectField(output, 'archive');
    const size = numberField(archive, 'size') ?? 0;
    const transferSeconds = extras.transferSeconds ?? null;
    return {
      detailType: 'Backup Succeeded',
      detail: {
        ...base,
        status,
        occurrence,
        trigger,
        key: stringField(archive, 'key') ?? '',
        size,
        sha256: stringField(archive, 'sha256') ?? '',
        transferSeconds,
        megabytesPerSecond: transferSeconds && transferSeconds > 0 ? round(size / 1e6 / transferSeconds, 3) : null,
        warnings: warningsOf(output, ['cleanupError', 'pruneError']),
      },
    };
  }
  const targetDeviceId = stringField(input, 'targetDeviceId') ?? base.deviceId;
  const key = stringField(objectField(output, 'backup'), 'key') ?? null;
  if (status !== 'SUCCEEDED') {
    return { detailType: 'Restore Failed', detail: { ...base, status, targetDeviceId, key, ...failure() } };
  }
  const outcome = objectField(output, 'outcome');
  return {
    detailType: 'Restore Succeeded',
    detail: {
      ...base,
      status,
      targetDeviceId,
      key,
      dryRun: output?.dryRun === true || input?.dryRun === true,
      withErrors: outcome?.withErrors === true,
      recoveryMs: numberField(outcome, 'recoveryMs') ?? null,
      warnings: warningsOf(output, ['removeError']),
    },
  };
}

/**
 * A Lambda error caught by a Catch arrives as JSON text `{"errorType","errorMessage","trace"}`:
 * the message is what an operator reads (it names the device and the problem); the trace is not.
 * Bounded like the typed errors' messages, also for a cause no step of ours wrote.
 */
export function readableCause(cause: string): string {
  const bounded = (text: string) => untrustedText(text, { maxChars: MAX_ERROR_MESSAGE_CHARS, keepNewlines: true });
  try {
    const parsed = JSON.parse(cause) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string') {
      return bounded((parsed as { errorMessage: string }).errorMessage);
    }
  } catch {
    // Not JSON: the cause is already text.
  }
  return bounded(cause);
}

function defaultError(status: TerminalStatus): string {
  return status === 'TIMED_OUT' ? 'States.Timeout' : status === 'ABORTED' ? 'States.Aborted' : 'States.Failed';
}

function warningsOf(output: Record<string, unknown> | undefined, fields: readonly string[]): string[] {
  return fields.flatMap((field) => {
    const value = objectField(output, field);
    if (!value) return [];
    const cause = readableCause(stringField(value, 'Cause') ?? '');
    return [`${field}: ${stringField(value, 'Error') ?? 'Error'}${cause ? `: ${cause}` : ''}`];
  });
}

function parseObject(text: string | null | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function objectField(o: Record<string, unknown> | undefined, name: string): Record<string, unknown> | undefined {
  const v = o?.[name];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function stringField(o: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = o?.[name];
  return typeof v === 'string' ? v : undefined;
}

function numberField(o: Record<string, unknown> | undefined, name: string): number | undefined {
  const v = o?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
