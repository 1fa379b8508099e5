/** QRadar's rules for backup names (seed 003, 422 codes 1002-1004): not empty, <= 100 chars, [A-Za-z0-9_.-]. */
export const QRADAR_NAME_MAX = 100;

/**
 * A backup name for this run: `backup-runner_<runId>_<UTC stamp>`, with a `-<n>` suffix when the
 * console says the name is taken (409 1005). Anything outside the allowed characters becomes
 * "_", and the result is cut to 100 characters keeping the suffix. Pure.
 */
export function qradarBackupName(runId: string, at: Date, attempt = 0): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = attempt > 0 ? `-${attempt + 1}` : '';
  const base = `backup-runner_${runId}_${stamp}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${base.slice(0, QRADAR_NAME_MAX - suffix.length)}${suffix}`;
}

export function isValidQRadarName(name: string): boolean {
  return name.length > 0 && name.length <= QRADAR_NAME_MAX && /^[A-Za-z0-9_.-]+$/.test(name);
}
