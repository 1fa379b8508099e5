import { describe, expect, it } from 'vitest';
import { buildFleetReport } from '../../../lambdas/report/build-fleet-report';
import type { FleetReport } from '../../../lambdas/report/fleet-report';
import { packForPage, packedTime, type PageDevice } from '../../../lambdas/report/page/page-data';
import { jsonForScriptTag, renderReportHtml } from '../../../lambdas/report/page/render-html';
import { applyView, DEFAULT_VIEW, hashOfView, viewFromHash } from '../../../lambdas/report/page/view-state';
import type { ArchiveCopy } from '../../../lambdas/report/report-input';

const NOW = new Date('2026-11-22T09:00:00Z');

function copy(deviceId: string, iso: string, size: number, storageClass = 'STANDARD'): ArchiveCopy {
  return { deviceId, key: `backups/${deviceId}/${iso}.tgz`, time: new Date(iso), size, storageClass };
}

function fleet(): FleetReport {
  const daily = { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'UTC' };
  return buildFleetReport({
    now: NOW,
    source: { kind: 'local', archive: 's3://b/', history: 'test' },
    devices: [
      { id: 'ar11', type: 'riverbed-npm-v1', schedule: daily },
      { id: 'ar12', type: 'riverbed-npm-v2', schedule: daily },
      { id: 'qr1', type: 'qradar', schedule: daily },
      { id: 'sw1', type: 'storware' },
    ],
    copies: [
      copy('ar11', '2026-11-19T02:00:00Z', 100),
      copy('ar11', '2026-11-20T02:00:00Z', 100),
      copy('ar11', '2026-11-21T02:00:00Z', 100, 'GLACIER_IR'),
      copy('ar11', '2026-11-22T02:00:00Z', 10),
      copy('ar12', '2026-11-10T02:00:00Z', 5000),
      copy('sw1', '2026-11-01T02:00:00Z', 70),
    ],
    runs: [{ deviceId: 'qr1', executionName: 'qr1-x', status: 'FAILED', startedAt: new Date('2026-11-22T02:00:00Z'), error: 'AuthenticationFailed', cause: '</script><img src=x onerror=alert(1)>' }],
    skips: [],
    restores: [],
  });
}

const ids = (rows: readonly PageDevice[]) => rows.map((d) => d.id);

describe('the page data', () => {
  it('packs copies as [minute, size, class] with the drops as indices, newest first', () => {
    const page = packForPage(fleet());
    const ar11 = page.devices.find((d) => d.id === 'ar11')!;
    expect(page.classes).toEqual(['STANDARD', 'GLACIER_IR']);
    expect(ar11.copies.map((c) => [packedTime(c), c[1], page.classes[c[2]]])).toEqual([
      ['2026-11-22T02:00:00Z', 10, 'STANDARD'],
      ['2026-11-21T02:00:00Z', 100, 'GLACIER_IR'],
      ['2026-11-20T02:00:00Z', 100, 'STANDARD'],
      ['2026-11-19T02:00:00Z', 100, 'STANDARD'],
    ]);
    expect(ar11.drops).toEqual([0]);
    expect('sizes' in ar11).toBe(false);
  });
});

describe('the view: filter, sort, page, hash', () => {
  const devices = packForPage(fleet()).devices;

  it('default: worst state first', () => {
    expect(ids(applyView(devices, DEFAULT_VIEW).rows)).toEqual(['qr1', 'ar12', 'ar11', 'sw1']);
  });

  it('filters by state, "needs attention", type, size drops and text', () => {
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, state: 'late' }).rows)).toEqual(['ar12']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, state: 'attention' }).rows)).toEqual(['qr1', 'ar12']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, type: 'storware' }).rows)).toEqual(['sw1']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, drops: true }).rows)).toEqual(['ar11']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, q: 'AR1' }).rows)).toEqual(['ar12', 'ar11']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, q: 'qradar' }).rows)).toEqual(['qr1']);
  });

  it('sorts by id, age (oldest first), bytes, either way', () => {
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, sort: 'device' }).rows)).toEqual(['ar11', 'ar12', 'qr1', 'sw1']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, sort: 'device', dir: 'desc' }).rows)).toEqual(['sw1', 'qr1', 'ar12', 'ar11']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, sort: 'age' }).rows)).toEqual(['qr1', 'sw1', 'ar12', 'ar11']);
    expect(ids(applyView(devices, { ...DEFAULT_VIEW, sort: 'bytes' }).rows)).toEqual(['ar12', 'ar11', 'sw1', 'qr1']);
  });

  it('pages, clamping a page past the end', () => {
    const r = applyView(devices, { ...DEFAULT_VIEW, sort: 'device', pageSize: 50, page: 9 });
    expect(r).toMatchObject({ page: 1, pages: 1, matched: 4, offset: 0 });
    const many = Array.from({ length: 120 }, (_, i) => ({ ...devices[0]!, id: `d${String(i).padStart(3, '0')}` }));
    const third = applyView(many, { ...DEFAULT_VIEW, sort: 'device', pageSize: 50, page: 3 });
    expect(third).toMatchObject({ page: 3, pages: 3, matched: 120, offset: 100 });
    expect(third.rows.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, i) => `d${100 + i}`));
  });

  it('the hash round-trips and ignores what it does not know', () => {
    const view = { ...DEFAULT_VIEW, q: 'ar 1', type: 'qradar', state: 'attention' as const, drops: true, sort: 'age' as const, dir: 'desc' as const, page: 2, pageSize: 50 };
    expect(viewFromHash(hashOfView(view))).toEqual(view);
    expect(hashOfView(DEFAULT_VIEW)).toBe('');
    expect(viewFromHash('#state=bogus&sort=nope&page=-1&size=7')).toEqual(DEFAULT_VIEW);
  });
});

describe('the HTML file', () => {
  const html = renderReportHtml(fleet());

  it('is self-contained: no src or href to anywhere, a CSP that forbids fetches and allows only its own script', () => {
    expect(html).not.toMatch(/\s(src|href)=["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/<link\b|<img\b[^>]*src=["']?https?:/i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  it('carries device text as data that cannot end its script element', () => {
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(data).not.toContain('</script');
    expect(data).not.toContain('<img');
    expect(JSON.parse(data).devices.find((d: PageDevice) => d.id === 'qr1').lastFailure.cause).toBe('</script><img src=x onerror=alert(1)>');
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it('escapes U+2028 and U+2029, which some parsers take for line ends', () => {
    expect(jsonForScriptTag({ a: 'x\u2028y\u2029<' })).toBe('{"a":"x\\u2028y\\u2029\\u003c"}');
    expect(JSON.parse(jsonForScriptTag({ a: 'x\u2028y\u2029<' }))).toEqual({ a: 'x\u2028y\u2029<' });
  });
});
