import type { RestoreState } from '../../lambdas/restore/state';
import { formatDuration } from '../../lambdas/restore/format';
import type { LocalRestoreResult } from '../local/run-restore';
import { formatBytes } from '../output/table';
import { paintStatus, shortSha256 } from '../conventions/output';
import { restoreStatus } from '../conventions/status';

/** What a restore would do or did, as `restore` and `drill` print it (pure: text from the workflow's state). */

export function planLines(state: RestoreState): string[] {
  const b = state.backup;
  const version = b.facts.device.softwareVersion ? `, software ${b.facts.device.softwareVersion}` : '';
  const thaw =
    state.thaw.status === 'not-needed'
      ? `no thaw needed (${state.thaw.reason})`
      : state.thaw.status === 'ready'
        ? `already thawed (${state.thaw.reason})`
        : `THAW NEEDED: ${state.thaw.reason}`;
  return [
    `backup         ${b.key}`,
    `taken          ${b.time} on ${b.deviceId} (${b.facts.deviceType}${version})`,
    `size           ${formatBytes(b.size)} (${b.size} B)`,
    `SHA-256        ${shortSha256(b.sha256)} (full value in --json and the manifest)`,
    `storage class  ${b.storageClass}: ${thaw}`,
    `target         ${state.targetDeviceId} (${state.targetType})`,
    ...state.checks.map((c, i) => `${i === 0 ? 'checks' : ''.padEnd(6)}         ${c}`),
  ];
}

export type RestoreVerdict = 'restored' | 'restored-with-errors' | 'planned' | 'failed';

export function verdictOf(result: LocalRestoreResult): RestoreVerdict {
  if (result.status === 'FAILED') return 'failed';
  if (result.state?.dryRun) return 'planned';
  return result.state?.outcome?.withErrors ? 'restored-with-errors' : 'restored';
}

/** The lines after the plan: the outcome with the recovery time, warnings, or the failure. */
export function outcomeLines(result: LocalRestoreResult, colour = false): string[] {
  const state = result.state;
  const lines: string[] = [];
  const verdict = verdictOf(result);
  if (verdict === 'failed') {
    lines.push(`${paintStatus('FAILED', 'FAILED', colour)} (${result.error}) ${result.cause}`);
    if (state?.device) lines.push(state.uploadedCopyRemoved ? 'The uploaded copy was removed from the device.' : 'WARNING: the uploaded copy may still be on the device; delete it there.');
    return lines;
  }
  if (verdict === 'planned' || !state?.outcome) return lines;
  const o = state.outcome;
  lines.push(
    `${verdict === 'restored' ? paintStatus('RESTORED', 'RESTORED', colour) : paintStatus('RESTORED WITH ERRORS', 'RESTORED_WITH_ERRORS', colour)} ${state.targetDeviceId} from ${state.backup.key}`,
    `recovery time  ${formatDuration(o.recoveryMs)} (request to device back up); device outage ${formatDuration(o.deviceOutageMs)}${
      state.device ? `; upload ${formatDuration(state.device.uploadMs)}` : ''
    }${state.poll?.unreachablePolls ? ` (${state.poll.unreachablePolls} poll(s) found it rebooting)` : ''}`,
  );
  if (o.withErrors) lines.push(`WARNING: the device reports completed_with_errors: ${o.detail ?? 'no detail given'}; check the device before relying on it`);
  if (result.removeError) lines.push(`WARNING: the uploaded copy could not be removed from the device: ${result.removeError.Cause}`);
  return lines;
}

/** The `--json` document: one object per command. */
export function jsonReport(result: LocalRestoreResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const s = result.state;
  return {
    status: restoreStatus(verdictOf(result)),
    device: s?.deviceId ?? null,
    target: s?.targetDeviceId ?? null,
    key: s?.backup.key ?? null,
    time: s?.backup.time ?? null,
    size: s?.backup.size ?? null,
    sha256: s?.backup.sha256 ?? null,
    storageClass: s?.backup.storageClass ?? null,
    thaw: s ? { status: s.thaw.status, reason: s.thaw.reason } : null,
    checks: s?.checks ?? [],
    recoveryMs: s?.outcome?.recoveryMs ?? null,
    deviceOutageMs: s?.outcome?.deviceOutageMs ?? null,
    unreachablePolls: s?.poll?.unreachablePolls ?? null,
    withErrors: s?.outcome?.withErrors ?? null,
    ...(s?.outcome?.detail ? { detail: s.outcome.detail } : {}),
    ...(result.removeError ? { warning: `uploaded copy not removed: ${result.removeError.Cause}` } : {}),
    ...(result.status === 'FAILED' ? { error: result.error, message: result.cause } : {}),
    ...extra,
  };
}
