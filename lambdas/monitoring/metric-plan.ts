import type { RunnerEvent } from './events';

/** CloudWatch namespace of every runner metric. */
export const METRIC_NAMESPACE = 'BackupRunner';
/** The Powertools service name: a dimension of every metric (Powertools adds it). */
export const METRIC_SERVICE = 'backup-runner';

export const METRICS = {
  backupsSucceeded: 'BackupsSucceeded',
  backupsFailed: 'BackupsFailed',
  backupDuration: 'BackupDurationSeconds',
  backupBytes: 'BackupBytes',
  transferThroughput: 'TransferMegabytesPerSecond',
  restoresSucceeded: 'RestoresSucceeded',
  restoresFailed: 'RestoresFailed',
  newestBackupAge: 'NewestBackupAgeHours',
  devicesChecked: 'FreshnessDevicesChecked',
  /** Devices whose latest backup failed (fleet health check): the BackupsFailing alarm. */
  failingDevices: 'FailingDevices',
  /** Scheduled devices whose newest backup is older than their threshold (fleet health check): the BackupsStale alarm. */
  staleDevices: 'StaleDevices',
} as const;

export type MetricUnitName = 'Count' | 'Seconds' | 'Bytes' | 'Megabytes/Second' | 'None';

export interface MetricPoint {
  name: string;
  unit: MetricUnitName;
  value: number;
}

/**
 * What one finished execution adds to CloudWatch: published once with the `deviceId` dimension
 * (per-device graphs) and once without it (fleet totals and alarms). No alarm is per device: the
 * fleet health check counts failing and stale devices (fleet-health.ts).
 */
export function metricsFor(event: RunnerEvent): { fleet: MetricPoint[]; device: MetricPoint[] } {
  switch (event.detailType) {
    case 'Backup Succeeded': {
      const d = event.detail;
      const points: MetricPoint[] = [
        { name: METRICS.backupsSucceeded, unit: 'Count', value: 1 },
        { name: METRICS.backupDuration, unit: 'Seconds', value: d.durationSeconds },
        { name: METRICS.backupBytes, unit: 'Bytes', value: d.size },
        ...(d.megabytesPerSecond !== null ? [{ name: METRICS.transferThroughput, unit: 'Megabytes/Second' as const, value: d.megabytesPerSecond }] : []),
      ];
      return { fleet: points, device: points };
    }
    case 'Backup Failed': {
      const points: MetricPoint[] = [
        { name: METRICS.backupsFailed, unit: 'Count', value: 1 },
        { name: METRICS.backupDuration, unit: 'Seconds', value: event.detail.durationSeconds },
      ];
      return { fleet: points, device: points };
    }
    case 'Restore Succeeded': {
      // A dry run (plan) is not a restore.
      if (event.detail.dryRun) return { fleet: [], device: [] };
      const points: MetricPoint[] = [{ name: METRICS.restoresSucceeded, unit: 'Count', value: 1 }];
      return { fleet: points, device: points };
    }
    case 'Restore Failed': {
      const points: MetricPoint[] = [{ name: METRICS.restoresFailed, unit: 'Count', value: 1 }];
      return { fleet: points, device: points };
    }
  }
}
