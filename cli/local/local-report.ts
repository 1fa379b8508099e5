import type { S3Client } from '@aws-sdk/client-s3';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { buildFleetReport, DEFAULT_REPORT_DAYS } from '../../lambdas/report/build-fleet-report';
import { collectArchiveCopies } from '../../lambdas/report/collect/archive-copies';
import type { FleetReport } from '../../lambdas/report/fleet-report';
import { reportDevicesOf } from '../../lambdas/report/report-devices';
import type { ReportOptions } from '../../lambdas/report/report-input';
import type { LocalRunHistory } from './run-history';

/** How far back history is read beyond the window: the "missed" days need the first record before it. */
const HISTORY_LEAD_DAYS = 31;

/**
 * The fleet report of an archive this machine reaches: the archive's committed copies and this
 * machine's run history (run, drill, restore), for the devices of the config.
 */
export async function buildLocalReport(input: {
  config: RunnerConfig;
  archive: { bucket: string; s3: S3Client; description: string };
  history: LocalRunHistory;
  now: Date;
  options?: ReportOptions;
}): Promise<FleetReport> {
  const days = input.options?.days ?? DEFAULT_REPORT_DAYS;
  const since = new Date(input.now.getTime() - (days + HISTORY_LEAD_DAYS) * 86_400_000);
  const [archived, history] = await Promise.all([
    collectArchiveCopies(input.archive.s3, input.archive.bucket, { prefix: input.config.archive.prefix }),
    input.history.read(since),
  ]);
  return buildFleetReport({
    now: input.now,
    source: {
      kind: 'local',
      archive: input.archive.description,
      history: `the runs of this machine (backup-runner run, drill, restore) recorded in ${input.history.directory}; runs made elsewhere are not in it, their backups are (the archive)`,
    },
    devices: reportDevicesOf(input.config.devices),
    copies: archived.copies,
    runs: history.runs,
    skips: history.skips,
    restores: history.restores,
    notes: [...archived.notes, ...history.notes],
    ...(input.options ? { options: input.options } : {}),
  });
}
