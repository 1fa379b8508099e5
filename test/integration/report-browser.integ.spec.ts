import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportCommand } from '../../cli/commands/report';
import { buildFleetReport } from '../../lambdas/report/build-fleet-report';
import { renderReportHtml } from '../../lambdas/report/page/render-html';
import { describeWithChromium, launchChromium, type Browser } from '../support/chromium';
import { startReportFleet, type ReportFleet } from '../support/report-fleet';
import { syntheticFleet } from '../support/synthetic-fleet';

/**
 * The report page in a real browser (Debian's Chromium through playwright-core): built by
 * `backup-runner report --html` from a demo-like archive (test/support/report-fleet.ts: a
 * missing, a late and a failing device among others), opened from a file:// URL as a
 * double-click would; then the DOM: rows, states, sorting, filtering, details. Screenshots are
 * kept under test-artifacts/ (gitignored). The 5,000-device page is checked for usability: one
 * page of rows in the DOM, paging and filtering over all of them.
 */
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

describeWithChromium('the report page in Chromium', () => {
  let fleet: ReportFleet;
  let browser: Browser;
  let url: string;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    fleet = await startReportFleet();
    const file = join(fleet.dir, 'report.html');
    const out = new PassThrough().resume();
    expect(await reportCommand({ config: fleet.configFile, html: file }, out, out, { history: fleet.history, now: fleet.now })).toBe(0);
    url = pathToFileURL(file).href;
    browser = await launchChromium();
    browser.page.on('request', (request) => requests.push(request.url()));
    browser.page.on('pageerror', (error) => errors.push(error.message));
    browser.page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.close();
  });

  const rows = () => browser.page.locator('tbody tr.row');
  const ids = () => browser.page.locator('tbody tr.row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')));
  const open = async (hash = '') => {
    await browser.page.goto(`${url}${hash}`);
    await browser.page.waitForSelector('html[data-ready="true"]');
  };

  it('opens from a file, fetches nothing, and shows every device worst first with its state in words', async () => {
    await open();
    expect(errors).toEqual([]);
    expect(requests.every((r) => r === url || r.startsWith(`${url}#`))).toBe(true);
    expect(await ids()).toEqual(['qradar-demo', 'ar13-demo', 'ar12-demo', 'ar11-demo', 'fg-demo', 'storware-demo']);
    const states = await rows().evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-device'), tr.getAttribute('data-state'), tr.querySelector('.badge')?.textContent]));
    expect(states).toEqual([
      ['qradar-demo', 'missing', '○Never backed up'],
      ['ar13-demo', 'failing', '✕Failing'],
      ['ar12-demo', 'late', '◆Late'],
      ['ar11-demo', 'on-time', '✓On time'],
      ['fg-demo', 'on-time', '✓On time'],
      ['storware-demo', 'unscheduled', '–On demand'],
    ]);
    await expect(browser.page.locator('.verdict').textContent()).resolves.toBe('3 of 6 devices need attention');
    const tiles = await browser.page.locator('.tile-state').evaluateAll((els) => els.map((el) => [el.getAttribute('data-filter-state'), el.querySelector('.tile-value')?.textContent]));
    expect(tiles).toEqual([
      ['missing', '○1'],
      ['failing', '✕1'],
      ['late', '◆1'],
      ['on-time', '✓2'],
      ['unscheduled', '–1'],
    ]);
    // The calendar strip says in words what its bars show; the size drop is flagged in text.
    await expect(browser.page.locator('tr[data-device="ar12-demo"] svg.strip').getAttribute('aria-label')).resolves.toMatch(/^Last 90 days from \d{4}-\d{2}-\d{2}: \d+ succeeded, 0 failed, 1 skipped, 3 missed, \d+ without a run$/);
    await expect(browser.page.locator('tr[data-device="fg-demo"] .drop-flag').textContent()).resolves.toBe('▼ drop');
    await expect(browser.page.locator('tr[data-device="ar11-demo"] .c-restore').textContent()).resolves.toMatch(/^✓3 min 24 sdrill 5 d ago$/);
    await browser.page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  });

  it('sorts by a column header, both ways, and says which in aria-sort', async () => {
    await open();
    const header = browser.page.locator('button.sort[data-sort="device"]');
    await header.click();
    expect(await ids()).toEqual(['ar11-demo', 'ar12-demo', 'ar13-demo', 'fg-demo', 'qradar-demo', 'storware-demo']);
    await expect(browser.page.locator('th:has(button[data-sort="device"])').getAttribute('aria-sort')).resolves.toBe('ascending');
    await browser.page.locator('button.sort[data-sort="device"]').click();
    expect(await ids()).toEqual(['storware-demo', 'qradar-demo', 'fg-demo', 'ar13-demo', 'ar12-demo', 'ar11-demo']);
    await expect(browser.page.locator('th:has(button[data-sort="device"])').getAttribute('aria-sort')).resolves.toBe('descending');
    await browser.page.locator('button.sort[data-sort="age"]').click();
    expect((await ids())[0]).toBe('qradar-demo'); // no backup at all is the oldest
    expect(browser.page.url()).toContain('#sort=age');
  });

  it('filters by device type, by state (a summary tile or the select), by text; the view survives a reload', async () => {
    await open();
    await browser.page.selectOption('#type', 'riverbed-npm-v1');
    expect(await ids()).toEqual(['ar13-demo', 'ar11-demo']);
    await expect(browser.page.locator('.result-count').textContent()).resolves.toBe('Showing 1–2 of 2 devices (filtered from 6).');
    await browser.page.selectOption('#type', '');
    await browser.page.locator('.tile-state[data-filter-state="late"]').click();
    expect(await ids()).toEqual(['ar12-demo']);
    await expect(browser.page.locator('.tile-state[data-filter-state="late"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await browser.page.selectOption('#state', 'attention');
    expect(await ids()).toEqual(['qradar-demo', 'ar13-demo', 'ar12-demo']);
    await browser.page.reload();
    await browser.page.waitForSelector('html[data-ready="true"]');
    expect(await ids()).toEqual(['qradar-demo', 'ar13-demo', 'ar12-demo']);
    await browser.page.fill('#q', 'qrad');
    expect(await ids()).toEqual(['qradar-demo']);
    await browser.page.fill('#q', 'nothing-like-this');
    await expect(browser.page.locator('.result-count').textContent()).resolves.toBe('No device matches (6 in the report).');
    await browser.page.locator('button.reset').click();
    expect(await rows().count()).toBe(6);
  });

  it('a row opens its details: the failure as text (device text never becomes markup), copies with their class', async () => {
    await open();
    await browser.page.locator('tr[data-device="qradar-demo"] .device-id').click();
    const details = browser.page.locator('#details-qradar-demo');
    await expect(details.locator('pre.cause').textContent()).resolves.toBe('qradar-demo: the console refused the token (HTTP 401) <script>alert("device text")</script>');
    expect(await browser.page.locator('#details-qradar-demo script').count()).toBe(0);
    await expect(browser.page.locator('tr[data-device="qradar-demo"] .device-id').getAttribute('aria-expanded')).resolves.toBe('true');
    await browser.page.locator('tr[data-device="fg-demo"] .device-id').click();
    const copies = browser.page.locator('#details-fg-demo table.copies tbody tr');
    expect(await copies.count()).toBeGreaterThan(30);
    await expect(copies.first().textContent()).resolves.toMatch(/11\.7 KiB ▼ dropStandard$/);
    await browser.page.screenshot({ path: join(ARTIFACTS, 'report-details.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('5,000 devices: one page of rows in the DOM, paging and filtering over all of them', async () => {
    const big = buildFleetReport(syntheticFleet(5000));
    const file = join(fleet.dir, 'report-5000.html');
    await writeFile(file, renderReportHtml(big));
    await browser.page.goto(pathToFileURL(file).href);
    await browser.page.waitForSelector('html[data-ready="true"]', { timeout: 60_000 });
    expect(await rows().count()).toBe(250);
    expect(await browser.page.locator('*').count()).toBeLessThan(15_000);
    await expect(browser.page.locator('.page-of').textContent()).resolves.toBe('Page 1 of 20');
    await browser.page.locator('button.page', { hasText: 'Next' }).click();
    await expect(browser.page.locator('.result-count').textContent()).resolves.toBe('Showing 251–500 of 5,000 devices.');
    await browser.page.selectOption('#state', 'late');
    const late = big.devices.filter((d) => d.state === 'late').length;
    expect(late).toBeGreaterThan(50);
    await expect(browser.page.locator('.result-count').textContent()).resolves.toBe(`Showing 1–${late} of ${late} devices (filtered from 5,000).`);
    await browser.page.fill('#q', 'qradar-04998');
    expect(await ids()).toEqual([]);
    await browser.page.selectOption('#state', 'all');
    expect(await ids()).toEqual(['qradar-04998']);
    await browser.page.screenshot({ path: join(ARTIFACTS, 'report-5000.png') });
    expect(errors).toEqual([]);
  }, 120_000);
});
