import { ConfigError } from '../../lambdas/common/errors';
import { loadConfigFile } from '../../lambdas/config/load';
import { isKnownTimeZone } from '../../lambdas/archive/calendar';
import type { ReportOptions } from '../../lambdas/report/report-input';
import { openArchiveTarget } from '../local/archive-target';
import { buildLocalReport } from '../local/local-report';
import { localRunHistory, type LocalRunHistory } from '../local/run-history';
import type { OutputFlags } from '../conventions/output';
import { writeReport } from '../output/report-output';

export interface ReportCommandOptions extends OutputFlags {
  config: string;
  html?: string;
  json?: boolean;
  days?: string;
  timezone?: string;
}

/**
 * `backup-runner report`: the fleet report of the local archive (the config's S3 endpoint or the
 * embedded S3) and this machine's run history: `--html FILE` one self-contained page, `--json`
 * the same data, neither a summary. Exit 0 when the report was made, whatever it says.
 */
export async function reportCommand(
  options: ReportCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  io: ReportIo = {},
): Promise<number> {
  const config = loadConfigFile(options.config);
  const reportOptions = parseReportOptions(options);
  const archive = await openArchiveTarget(config.archive);
  try {
    const report = await buildLocalReport({ config, archive, history: io.history ?? localRunHistory(), now: io.now ?? new Date(), options: reportOptions });
    await writeReport(report, options, out, err);
    return 0;
  } finally {
    await archive.close();
  }
}

export interface ReportIo {
  /** @default the history under the state dir (.backup-runner/history) */
  history?: LocalRunHistory;
  /** @default the current time */
  now?: Date;
}

/** `--days` and `--timezone`, checked. */
export function parseReportOptions(options: { days?: string; timezone?: string }): ReportOptions {
  const parsed: ReportOptions = {};
  if (options.days !== undefined) {
    const days = Number(options.days);
    if (!Number.isInteger(days) || days < 1 || days > 400) throw new ConfigError(`--days must be a whole number from 1 to 400, not "${options.days}"`);
    parsed.days = days;
  }
  if (options.timezone !== undefined) {
    if (!isKnownTimeZone(options.timezone)) throw new ConfigError(`--timezone "${options.timezone}" is not an IANA time zone (e.g. UTC, Europe/Budapest)`);
    parsed.timeZone = options.timezone;
  }
  return parsed;
}
