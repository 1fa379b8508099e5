import type { ArchiveCopy, BackupRunRecord, ReportInput, RestoreRecord, SkippedRunRecord } from '../../lambdas/report/report-input';

/**
 * A large fleet for the report's scale checks (the browser test at 5,000 devices and
 * `npm run bench`): every device a daily schedule and 90 days of runs, about 30 committed copies
 * each as a restic-style retention keeps them (14 daily, 8 weekly, monthly), in three storage
 * classes, with some devices late, failing, never backed up, on demand, with size drops and
 * restore drills. Deterministic: the same count gives the same fleet.
 */
const TYPES = ['riverbed-npm-v1', 'riverbed-npm-v2', 'riverbed-flow-gateway', 'qradar', 'storware'];
const DAY = 86_400_000;

export function syntheticFleet(count: number, now = new Date('2026-11-22T09:00:00Z')): ReportInput {
  let seed = 20_261_122;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const today2am = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 2, 0);
  const devices: ReportInput['devices'][number][] = [];
  const copies: ArchiveCopy[] = [];
  const runs: BackupRunRecord[] = [];
  const skips: SkippedRunRecord[] = [];
  const restores: RestoreRecord[] = [];
  for (let i = 0; i < count; i++) {
    const type = TYPES[i % TYPES.length]!;
    const id = `${type.replace('riverbed-', '')}-${String(i).padStart(5, '0')}`;
    const onDemand = i % 41 === 7;
    devices.push({ id, type, ...(onDemand ? {} : { schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' } }) });
    if (i % 97 === 13) {
      for (let d = 0; d < 5; d++) runs.push({ deviceId: id, executionName: `${id}-f${d}`, status: 'FAILED', startedAt: new Date(today2am - d * DAY), error: 'AuthenticationFailed', cause: `${id}: login refused` });
      continue; // never backed up
    }
    const stopped = i % 53 === 11 ? 3 + (i % 5) : 0; // late devices: nothing for a few days
    const failingToday = i % 61 === 17;
    const base = 50e6 * (1 + (i % 9));
    for (let d = 180; d >= stopped; d--) {
      const at = new Date(today2am - d * DAY + 3 * 60_000);
      const failed = (d === 0 && failingToday) || random() < 0.02;
      if (d <= 90) {
        if (random() < 0.005) {
          skips.push({ deviceId: id, occurrence: new Date(at.getTime() - 3 * 60_000), at, reason: 'running' });
          continue;
        }
        runs.push({ deviceId: id, executionName: `${id}-${d}`, status: failed ? 'FAILED' : 'SUCCEEDED', startedAt: at, ...(failed ? { error: 'DeviceUnreachable', cause: `${id}: connect ETIMEDOUT` } : {}) });
      }
      if (failed) continue;
      const kept = d < 14 || (d < 70 && d % 7 === 0) || d % 30 === 0;
      if (!kept) continue;
      const drop = i % 89 === 5 && d === stopped;
      const size = Math.round(base * (1 + (180 - d) / 900) * (drop ? 0.2 : 1 + (random() - 0.5) / 20));
      copies.push({ deviceId: id, key: `backups/${id}/${at.toISOString().slice(0, 10).replace(/-/g, '/')}/${at.toISOString().replace(/[-:]|\.\d+/g, '')}-r${d}.tar.gz`, time: at, size, storageClass: d > 90 ? 'DEEP_ARCHIVE' : d > 30 ? 'GLACIER_IR' : 'STANDARD' });
    }
    if (i % 7 === 2) {
      const at = new Date(today2am - (5 + (i % 40)) * DAY + 8 * 3_600_000);
      restores.push({ deviceId: id, targetDeviceId: `${id}-standby`, executionName: `${id}-standby-restore`, status: i % 35 === 9 ? 'FAILED' : 'SUCCEEDED', startedAt: at, recoveryMs: 120_000 + (i % 13) * 17_000, drill: true });
    }
  }
  return {
    now,
    source: { kind: 'stack', archive: 's3://acme-appliance-backups/backups/', history: 'synthetic: Step Functions executions of the last 90 days', stack: 'BackupRunner' },
    devices,
    copies,
    runs,
    skips,
    restores,
  };
}
