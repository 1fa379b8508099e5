import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../cli/commands/report';
import type { FleetReport } from '../../lambdas/report/fleet-report';
import { startReportFleet, type ReportFleet } from '../support/report-fleet';

/**
 * `backup-runner report` over a demo-like archive in s3rver (real manifests, today's runs made by
 * the synthesized state machine) and this machine's run history (test/support/report-fleet.ts).
 */
let fleet: ReportFleet;

beforeAll(async () => {
  fleet = await startReportFleet();
}, 180_000);
afterAll(async () => {
  await fleet?.close();
});

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

async function report(args: Record<string, unknown>) {
  const out = capture();
  const err = capture();
  const code = await reportCommand({ config: fleet.configFile, ...args }, out.stream, err.stream, { history: fleet.history, now: fleet.now });
  return { code, out: out.text(), err: err.text() };
}

describe('backup-runner report', () => {
  it('the real runs went as the fixture says (one backed up, one refused)', () => {
    expect(fleet.realRuns.map((r) => [r.device, r.status, r.error])).toEqual([
      ['ar11-demo', 'SUCCEEDED', undefined],
      ['ar13-demo', 'FAILED', 'AuthenticationFailed'],
    ]);
  });

  it('--json: every device in its state, worst first, from the archive and the history', async () => {
    const { code, out } = await report({ json: true });
    expect(code).toBe(0);
    const data = JSON.parse(out) as FleetReport;
    expect(data.devices.map((d) => [d.id, d.type, d.state])).toEqual([
      ['qradar-demo', 'qradar', 'missing'],
      ['ar13-demo', 'riverbed-npm-v1', 'failing'],
      ['ar12-demo', 'riverbed-npm-v2', 'late'],
      ['ar11-demo', 'riverbed-npm-v1', 'on-time'],
      ['fg-demo', 'riverbed-flow-gateway', 'on-time'],
      ['storware-demo', 'storware', 'unscheduled'],
    ]);
    const byId = new Map(data.devices.map((d) => [d.id, d]));
    expect(byId.get('ar13-demo')!.reason).toMatch(/^last run failed \(.+\): AuthenticationFailed: .*ar13-demo/);
    expect(byId.get('ar11-demo')!.lastGood!.ageHours).toBeLessThan(1);
    expect(byId.get('ar11-demo')!.lastRestore).toMatchObject({ status: 'SUCCEEDED', drill: true, recoveryMs: 204_000 });
    expect(byId.get('ar11-demo')!.calendar.slice(-46)).toMatch(/F/);
    expect(byId.get('ar12-demo')!.calendar).toContain('K');
    expect(byId.get('ar12-demo')!.missedOccurrences).toBeGreaterThanOrEqual(3);
    expect(byId.get('fg-demo')!.sizeDrop).toMatchObject({ size: 12_000 });
    expect(byId.get('qradar-demo')!.failuresThisWeek).toBe(6);
    expect(data.summary).toMatchObject({
      devices: 6,
      states: { missing: 1, failing: 1, late: 1, 'on-time': 2, unscheduled: 1 },
      failuresThisWeek: { runs: 8, devices: 2 },
      sizeDrops: 1,
    });
    // The copies are the archive's committed ones: s3rver lists every class as STANDARD.
    expect(Object.keys(data.summary.storage)).toEqual(['STANDARD']);
    expect(data.source).toMatchObject({ kind: 'local', archive: expect.stringContaining('report-demo') });
  });

  it('--html FILE: one self-contained page, its path printed; with --json the path goes to stderr', async () => {
    const file = join(fleet.dir, 'out', 'report.html');
    const { code, out, err } = await report({ html: file, json: true });
    expect(code).toBe(0);
    expect(err).toBe(`Report written to ${file} (${err.match(/\(([^,]+),/)?.[1]}, 6 devices)\n`);
    expect(JSON.parse(out).summary.devices).toBe(6);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('"id":"qradar-demo"');
    expect(html).not.toContain('<script>alert');
  });

  it('without --html or --json: the summary and the devices that need attention', async () => {
    const { code, out } = await report({});
    expect(code).toBe(0);
    expect(out).toMatch(/^6 devices: 2 on time, 1 late, 1 failing, 1 never backed up, 1 on demand\n/);
    expect(out).toMatch(/NEVER BACKED UP\s+qradar-demo\s+none\s+no committed backup/);
    expect(out).toMatch(/FAILING\s+ar13-demo/);
    expect(out).toMatch(/LATE\s+ar12-demo\s+\d+ d( \d+ h)?\s+newest backup .*\(4 occurrences without one\)/);
    expect(out).not.toMatch(/ar11-demo/);
  });

  it('refuses bad --days and --timezone with a clear error', async () => {
    await expect(report({ days: '0' })).rejects.toThrow('--days must be a whole number from 1 to 400, not "0"');
    await expect(report({ timezone: 'Mars/Olympus' })).rejects.toThrow('--timezone "Mars/Olympus" is not an IANA time zone');
  });
});
