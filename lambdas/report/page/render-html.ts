import { createHash } from 'node:crypto';
import type { FleetReport } from '../fleet-report';
import { PAGE_SCRIPT } from './page-script.generated';
import { packForPage } from './page-data';
import { PAGE_STYLE } from './page-style';

/**
 * The report as one self-contained HTML file: the stylesheet, the data and the page script are
 * inline; nothing is fetched (the Content-Security-Policy forbids every fetch and allows only this
 * page's own script, by hash), so it works offline, opened by double-click, from a presigned URL
 * or an e-mail attachment. Device text (error messages) travels as JSON data and is only ever
 * set as text by the script, never as markup.
 */
export function renderReportHtml(report: FleetReport): string {
  const data = jsonForScriptTag(packForPage(report));
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `Backup report${report.source.stack ? ` ${report.source.stack}` : ''}, ${report.generatedAt.slice(0, 16).replace('T', ' ')} UTC`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="backup-runner report, schema ${report.schemaVersion}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    '<noscript><p>This report needs JavaScript to show its table. The same data as JSON: <code>backup-runner report --json</code>.</p></noscript>',
    `<script type="application/json" id="report-data">${data}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * JSON that is safe inside a <script> element: `<` (so no `</script>` or `<!--` can end or
 * change the element), and U+2028/U+2029 escaped; JSON.parse reads it back unchanged.
 */
export function jsonForScriptTag(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
