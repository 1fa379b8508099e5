import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatBytes } from '../../lambdas/common/format-bytes';
import type { FleetReport } from '../../lambdas/report/fleet-report';
import { renderReportHtml } from '../../lambdas/report/page/render-html';
import { STATE_LABELS } from '../../lambdas/report/page/labels';
import { ATTENTION } from '../../lambdas/report/page/view-state';
import { formatAge } from '../../lambdas/report/format';
import { formatTable } from './table';

export interface ReportOutputOptions {
  /** Write the HTML page here. */
  html?: string;
  /** Print the report's JSON on stdout. */
  json?: boolean;
}

/**
 * Where a report goes: the HTML file (its absolute path printed, so a terminal can open it), the
 * JSON document on stdout, or, with neither, a short summary for the terminal. With --json the
 * path goes to stderr, so stdout stays one JSON document.
 */
export async function writeReport(report: FleetReport, options: ReportOutputOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<string | undefined> {
  let path: string | undefined;
  if (options.html) {
    path = resolve(options.html);
    const html = renderReportHtml(report);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, html);
    (options.json ? err : out).write(`Report written to ${path} (${formatBytes(Buffer.byteLength(html))}, ${report.summary.devices} device${report.summary.devices === 1 ? '' : 's'})\n`);
  }
  if (options.json) out.write(`${JSON.stringify(report)}\n`);
  if (!options.html && !options.json) out.write(`${reportSummaryText(report)}\n`);
  return path;
}

/** The fleet summary and the devices that need attention, as plain text. */
export function reportSummaryText(report: FleetReport): string {
  const s = report.summary;
  const attention = report.devices.filter((d) => ATTENTION.has(d.state));
  const lines = [
    `${s.devices} device${s.devices === 1 ? '' : 's'}: ${s.states['on-time']} on time, ${s.states.late} late, ${s.states.failing} failing, ${s.states.missing} never backed up, ${s.states.unscheduled} on demand`,
    `${formatBytes(s.bytesArchived)} archived in ${s.copies} copies; ${s.failuresThisWeek.runs} failed run(s) in the last 7 days (${s.failuresThisWeek.devices} device(s)); ${s.sizeDrops} size drop(s)`,
  ];
  if (attention.length) {
    lines.push(
      '',
      formatTable(
        ['STATE', 'DEVICE', 'NEWEST', 'WHY'],
        attention.map((d) => [STATE_LABELS[d.state].label.toUpperCase(), d.id, d.lastGood ? formatAge(d.lastGood.ageHours) : 'none', d.reason]),
      ),
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
