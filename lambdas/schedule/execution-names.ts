import { ScheduleError } from './errors';

/**
 * Execution names: the exactly-once mechanism. Step Functions refuses a second execution of one
 * name, so a backup execution is named by device and occurrence, and every starter (the
 * dispatcher, `backup-runner run`, `backup-now`, the restore commands) makes its names here, and
 * every reader (the dispatcher's running-executions view, the reporter) parses them here.
 *
 * - scheduled: `<deviceId>-<YYYYMMDDTHHMMZ>` (the occurrence, UTC, to the minute)
 * - manual:    `<deviceId>-manual-<YYYYMMDDTHHMMSSZ>` (the start, to the second)
 * - restore:   `<deviceId>-restore-<YYYYMMDDTHHMMSSZ>`, `<deviceId>-plan-<...>` for a dry run
 *
 * Names are at most 80 characters of A-Z a-z 0-9 - _ (Step Functions' rule).
 */

export type ExecutionKind = 'scheduled' | 'manual' | 'restore' | 'plan';

export interface ParsedExecutionName {
  readonly deviceId: string;
  readonly kind: ExecutionKind;
  /** The occurrence (scheduled) or the start (the others), as the name carries it. */
  readonly at: Date;
}

/** `-manual-YYYYMMDDTHHMMSSZ`, the longest suffix, takes 24 of the 80 characters; device ids are at most 40. */
const NAMEABLE_ID = /^[A-Za-z0-9_-]{1,56}$/;

const PATTERN = /^([a-z0-9-]{1,40})-(?:(\d{8}T\d{4})Z|(manual|restore|plan)-(\d{8}T\d{6})Z)$/;

/** `<deviceId>-<YYYYMMDDTHHMMZ>`: one execution per device and occurrence. Throws ScheduleError for an id or date no name can hold. */
export function executionNameFor(deviceId: string, occurrence: Date): string {
  return `${nameableId(deviceId)}-${utcStamp(occurrence).slice(0, 13)}Z`;
}

/** `ar11-lab-manual-20261122T081500Z`: a backup started by hand, unique per second. */
export function manualExecutionName(deviceId: string, at: Date): string {
  return `${nameableId(deviceId)}-manual-${utcStamp(at)}Z`;
}

/** `ar11-lab-restore-20261122T081500Z` (`-plan-` for a dry run): unique per second and device. */
export function restoreExecutionName(deviceId: string, at: Date, dryRun: boolean): string {
  return `${nameableId(deviceId)}-${dryRun ? 'plan' : 'restore'}-${utcStamp(at)}Z`;
}

/** What a name made here says, or undefined for any other name (an operator's start-execution gets a UUID). */
export function parseExecutionName(name: string): ParsedExecutionName | undefined {
  const match = PATTERN.exec(name);
  if (!match) return undefined;
  const [, deviceId, minute, kind, second] = match;
  const stamp = minute ? `${minute}00` : second!;
  const at = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return { deviceId: deviceId!, kind: (kind as ExecutionKind | undefined) ?? 'scheduled', at };
}

/** The device a backup execution serves, read from its name (scheduled or manual), or undefined. */
export function deviceIdFromExecutionName(name: string): string | undefined {
  const parsed = parseExecutionName(name);
  return parsed && (parsed.kind === 'scheduled' || parsed.kind === 'manual') ? parsed.deviceId : undefined;
}

/** Throws ScheduleError when no execution name can hold this device id (checked before any name is made). */
export function assertNameableDeviceId(deviceId: string): void {
  nameableId(deviceId);
}

function nameableId(deviceId: string): string {
  if (!NAMEABLE_ID.test(deviceId)) {
    throw new ScheduleError('syntax', `device id "${deviceId}" cannot make an execution name: use 1-40 characters of a-z, 0-9 and "-"`);
  }
  return deviceId;
}

/** `YYYYMMDDTHHMMSS` of an instant, UTC. */
function utcStamp(at: Date): string {
  const iso = at.toISOString();
  if (!/^\d{4}-/.test(iso)) throw new ScheduleError('out-of-range', `${iso} is outside the years 0000-9999`);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
