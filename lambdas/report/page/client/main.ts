import { formatBytes } from '../../../common/format-bytes';
import { formatDuration } from '../../../restore/format';
import { DEVICE_STATES, type DayCode, type DeviceState } from '../../fleet-report';
import { formatAge, formatMinute } from '../../format';
import { DAY_BAR, STATE_LABELS, storageClassName } from '../labels';
import { packedTime, type PageData, type PageDevice } from '../page-data';
import { applyView, DEFAULT_VIEW, hashOfView, PAGE_SIZES, viewFromHash, type SortKey, type StateFilter, type ViewState } from '../view-state';
import { count, h, s } from './dom';
import { calendarStrip, dayCounts, restoreCell, sparkline, stateBadge, storageSummary, STRIP_PITCH } from './marks';

/**
 * The report page: reads the embedded data, renders the summary, the controls and one page of the
 * device table. Only the rows of the current page exist in the DOM (a fleet of 5,000 is 20 pages
 * of 250), filters and sort run over the data, and the view lives in the URL hash.
 */

const data = JSON.parse(document.getElementById('report-data')!.textContent ?? '{}') as PageData;
const report = data.report;
const root = document.getElementById('app')!;
let view: ViewState = viewFromHash(location.hash);
const expanded = new Set<string>();

const COLUMNS: { key: SortKey | null; label: string; className: string }[] = [
  { key: 'state', label: 'State', className: 'c-state' },
  { key: 'device', label: 'Device', className: 'c-device' },
  { key: 'age', label: 'Newest backup', className: 'c-age' },
  { key: 'failures', label: `Last ${report.window.days} days`, className: 'c-strip' },
  { key: 'size', label: 'Size', className: 'c-size' },
  { key: 'bytes', label: 'Copies by tier', className: 'c-storage' },
  { key: 'restore', label: 'Last restore', className: 'c-restore' },
];

const summaryEl = h('section', { class: 'summary', 'aria-label': 'Fleet summary' });
const controlsEl = h('section', { class: 'controls', 'aria-label': 'Filter and sort' });
const statusEl = h('p', { class: 'result-count', role: 'status', 'aria-live': 'polite' });
const tableEl = h('table', { class: 'devices', 'aria-describedby': 'legend' });
const pagerEl = h('nav', { class: 'pager', 'aria-label': 'Pages' });
const tooltip = h('div', { class: 'tooltip', role: 'tooltip', hidden: true });

root.append(header(), staleBanner() ?? '', summaryEl, controlsEl, legend(), statusEl, h('div', { class: 'table-wrap' }, tableEl), pagerEl, notes(), tooltip);
renderSummary();
renderControls();
render();
window.addEventListener('hashchange', () => {
  view = viewFromHash(location.hash);
  renderSummary();
  renderControls();
  render();
});
document.documentElement.setAttribute('data-ready', 'true');

function setView(change: Partial<ViewState>, options: { keepPage?: boolean } = {}): void {
  view = { ...view, ...change, ...(options.keepPage || 'page' in change ? {} : { page: 1 }) };
  const hash = hashOfView(view);
  history.replaceState(null, '', hash || location.pathname + location.search);
  renderSummary();
  syncControls();
  render();
}

function header(): HTMLElement {
  const src = report.source;
  return h(
    'header',
    { class: 'top' },
    h('h1', {}, 'Backup report', src.stack ? h('span', { class: 'stack' }, ` · ${src.stack}`) : null),
    h(
      'p',
      { class: 'meta' },
      h('span', {}, 'Archive ', h('code', {}, src.archive)),
      h('span', {}, `Generated ${formatMinute(report.generatedAt)}`),
      h('span', {}, `Ages as of that time; calendar days in ${report.window.timeZone}`),
    ),
  );
}

/** A report opened long after it was made says so: a calm page must not look current when it is not. */
function staleBanner(): HTMLElement | null {
  const hours = (Date.now() - Date.parse(report.generatedAt)) / 3_600_000;
  if (!(hours > 36)) return null;
  return h('p', { class: 'banner', role: 'note' }, h('strong', {}, 'This report is old. '), `It was generated ${formatAge(hours)} ago; states and ages are as of then.`);
}

function renderSummary(): void {
  const sum = report.summary;
  const tile = (state: DeviceState) => {
    const { label, icon } = STATE_LABELS[state];
    const pressed = view.state === state;
    return h(
      'button',
      {
        type: 'button',
        class: `tile tile-state state-${state}${sum.states[state] === 0 ? ' zero' : ''}`,
        'aria-pressed': pressed ? 'true' : 'false',
        'data-filter-state': state,
        title: pressed ? 'Show all devices' : `Show only: ${label}`,
        onclick: () => setView({ state: pressed ? 'all' : state }),
      },
      h('span', { class: 'tile-value' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), count(sum.states[state])),
      h('span', { class: 'tile-label' }, label),
    );
  };
  const fact = (value: string, label: string, extra?: string) =>
    h('div', { class: 'tile tile-fact' }, h('span', { class: 'tile-value' }, value), h('span', { class: 'tile-label' }, label), extra ? h('span', { class: 'tile-sub' }, extra) : null);
  const attention = sum.states.missing + sum.states.failing + sum.states.late;
  summaryEl.replaceChildren(
    h(
      'div',
      { class: 'headline' },
      h(
        'p',
        { class: attention ? 'verdict verdict-attention' : 'verdict verdict-ok' },
        attention
          ? `${count(attention)} of ${count(sum.devices)} device${sum.devices === 1 ? '' : 's'} need${attention === 1 ? 's' : ''} attention`
          : `All ${count(sum.devices)} device${sum.devices === 1 ? '' : 's'} have a backup on time or on demand`,
      ),
    ),
    h('div', { class: 'tiles' }, ...DEVICE_STATES.map(tile)),
    h(
      'div',
      { class: 'tiles facts' },
      fact(formatBytes(sum.bytesArchived), 'archived', `${count(sum.copies)} copies`),
      fact(count(sum.failuresThisWeek.runs), 'failed runs, last 7 days', `${count(sum.failuresThisWeek.devices)} device${sum.failuresThisWeek.devices === 1 ? '' : 's'}`),
      fact(count(sum.sizeDrops), 'size drops', 'newest copy far smaller'),
      fact(`${count(sum.restored.succeeded)} / ${count(sum.devices)}`, 'restored successfully', 'devices with a restore or drill on record'),
    ),
    storageBar(sum.storage),
  );
}

function storageBar(storage: Record<string, { copies: number; bytes: number }>): HTMLElement {
  const entries = Object.entries(storage).sort(([a], [b]) => data.classes.indexOf(a) - data.classes.indexOf(b));
  const total = entries.reduce((t, [, v]) => t + v.bytes, 0);
  if (!total) return h('div', { class: 'storage-bar empty' });
  return h(
    'div',
    { class: 'storage' },
    h('span', { class: 'storage-title' }, 'Storage'),
    h(
      'div',
      { class: 'storage-bar', role: 'img', 'aria-label': entries.map(([k, v]) => `${storageClassName(k)} ${formatBytes(v.bytes)}`).join(', ') },
      ...entries.map(([k, v]) => h('span', { class: `seg tier-${k.toLowerCase()}`, style: `flex-grow:${v.bytes}`, title: `${storageClassName(k)}: ${formatBytes(v.bytes)} in ${count(v.copies)} copies` })),
    ),
    h(
      'span',
      { class: 'storage-legend' },
      ...entries.map(([k, v]) => h('span', { class: 'storage-key' }, h('span', { class: `swatch tier-${k.toLowerCase()}`, 'aria-hidden': 'true' }), `${storageClassName(k)} ${formatBytes(v.bytes)}`)),
    ),
  );
}

let searchInput: HTMLInputElement;
let typeSelect: HTMLSelectElement;
let stateSelect: HTMLSelectElement;
let dropsBox: HTMLInputElement;
let sizeSelect: HTMLSelectElement;

function renderControls(): void {
  searchInput = h('input', { type: 'search', id: 'q', placeholder: 'device id or type', autocomplete: 'off', spellcheck: 'false' });
  searchInput.addEventListener('input', () => setView({ q: searchInput.value }));
  typeSelect = h('select', { id: 'type' }, h('option', { value: '' }, 'All types'), ...report.summary.types.map((t) => h('option', { value: t }, t)));
  typeSelect.addEventListener('change', () => setView({ type: typeSelect.value }));
  const states: [StateFilter, string][] = [['all', 'All states'], ['attention', 'Needs attention'], ...DEVICE_STATES.map((st): [StateFilter, string] => [st, STATE_LABELS[st].label])];
  stateSelect = h('select', { id: 'state' }, ...states.map(([v, l]) => h('option', { value: v }, l)));
  stateSelect.addEventListener('change', () => setView({ state: stateSelect.value as StateFilter }));
  dropsBox = h('input', { type: 'checkbox', id: 'drops' });
  dropsBox.addEventListener('change', () => setView({ drops: dropsBox.checked }));
  sizeSelect = h('select', { id: 'page-size' }, ...PAGE_SIZES.map((n) => h('option', { value: n }, `${n} per page`)));
  sizeSelect.addEventListener('change', () => setView({ pageSize: Number(sizeSelect.value) }));
  controlsEl.replaceChildren(
    h('label', { class: 'control' }, h('span', {}, 'Search'), searchInput),
    h('label', { class: 'control' }, h('span', {}, 'Type'), typeSelect),
    h('label', { class: 'control' }, h('span', {}, 'State'), stateSelect),
    h('label', { class: 'control check' }, dropsBox, h('span', {}, 'Size drops only')),
    h('label', { class: 'control' }, h('span', { class: 'visually-hidden' }, 'Rows per page'), sizeSelect),
    h('button', { type: 'button', class: 'reset', onclick: () => setView({ ...DEFAULT_VIEW }) }, 'Reset'),
  );
  syncControls();
}

function syncControls(): void {
  if (document.activeElement !== searchInput) searchInput.value = view.q;
  typeSelect.value = view.type;
  stateSelect.value = view.state;
  dropsBox.checked = view.drops;
  sizeSelect.value = String(view.pageSize);
}

function legend(): HTMLElement {
  const item = (code: DayCode, text: string) => {
    const bar = DAY_BAR[code];
    return h(
      'span',
      { class: 'legend-item' },
      s('svg', { width: 6, height: 20, viewBox: '0 0 6 20', 'aria-hidden': 'true' }, s('path', { class: `day day-${bar.name}`, d: `M2 ${bar.y}h2v${bar.height}h-2z` })),
      text,
    );
  };
  return h(
    'p',
    { class: 'legend', id: 'legend' },
    h('span', { class: 'legend-title' }, 'Calendar, one bar a day:'),
    item('S', 'succeeded'),
    item('F', 'failed'),
    item('K', 'skipped'),
    item('M', 'due, no run'),
    item('.', 'no run'),
    h('span', { class: 'legend-item' }, s('svg', { width: 10, height: 10, viewBox: '0 0 10 10', 'aria-hidden': 'true' }, s('path', { class: 'spark-drop', d: 'M1.5 2h7l-3.5 5z' })), 'size drop'),
  );
}

function render(): void {
  const result = applyView(data.devices, view);
  if (result.page !== view.page) view = { ...view, page: result.page };
  const shown = result.rows.length;
  statusEl.textContent =
    result.matched === 0
      ? `No device matches (${count(data.devices.length)} in the report).`
      : `Showing ${count(result.offset + 1)}–${count(result.offset + shown)} of ${count(result.matched)} device${result.matched === 1 ? '' : 's'}${result.matched !== data.devices.length ? ` (filtered from ${count(data.devices.length)})` : ''}.`;

  const head = h(
    'tr',
    {},
    ...COLUMNS.map((col) => {
      const sorted = col.key === view.sort;
      const th = h('th', { scope: 'col', class: col.className, 'aria-sort': sorted ? (view.dir === 'asc' ? 'ascending' : 'descending') : null });
      if (!col.key) th.textContent = col.label;
      else {
        const key = col.key;
        th.append(
          h(
            'button',
            { type: 'button', class: 'sort', 'data-sort': key, onclick: () => setView({ sort: key, dir: sorted && view.dir === 'asc' ? 'desc' : 'asc' }) },
            col.label,
            h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorted ? (view.dir === 'asc' ? '▲' : '▼') : '↕'),
          ),
        );
      }
      return th;
    }),
  );
  const body = h('tbody', {});
  for (const device of result.rows) {
    body.append(row(device));
    if (expanded.has(device.id)) body.append(details(device));
  }
  tableEl.replaceChildren(h('caption', { class: 'visually-hidden' }, 'Devices: state, newest backup, calendar, sizes, storage and last restore'), h('thead', {}, head), body);
  renderPager(result.page, result.pages);
}

function row(d: PageDevice): HTMLTableRowElement {
  const open = expanded.has(d.id);
  const toggle = h(
    'button',
    { type: 'button', class: 'device-id', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': `details-${d.id}`, title: 'Show details' },
    h('span', { class: 'chev', 'aria-hidden': 'true' }, open ? '▾' : '▸'),
    d.id,
  );
  toggle.addEventListener('click', () => {
    if (expanded.has(d.id)) expanded.delete(d.id);
    else expanded.add(d.id);
    render();
    (document.querySelector(`tr[data-device="${CSS.escape(d.id)}"] .device-id`) as HTMLElement | null)?.focus();
  });
  const strip = calendarStrip(d.calendar, report.window.firstDay);
  strip.addEventListener('mousemove', (event) => showDay(event, d));
  strip.addEventListener('mouseleave', () => (tooltip.hidden = true));
  return h(
    'tr',
    { 'data-device': d.id, 'data-state': d.state, 'data-type': d.type, class: `row state-${d.state}` },
    h('td', { class: 'c-state' }, stateBadge(d.state)),
    h('td', { class: 'c-device' }, toggle, h('span', { class: 'sub' }, d.type, d.inConfig ? null : h('span', { class: 'tag' }, 'not in config'))),
    h('td', { class: 'c-age' }, ageCell(d)),
    h('td', { class: 'c-strip' }, strip, d.failuresThisWeek ? h('span', { class: 'sub fail-count' }, `${d.failuresThisWeek} failed this week`) : null),
    h('td', { class: 'c-size' }, sizeCell(d)),
    h('td', { class: 'c-storage' }, storageSummary(d.storage, data.classes)),
    h('td', { class: 'c-restore' }, restoreCell(d.lastRestore, report.generatedAt)),
  );
}

function ageCell(d: PageDevice): HTMLElement {
  const sched = d.schedule;
  if (!d.lastGood) {
    return h('span', { class: 'age none' }, 'none', h('span', { class: 'sub' }, sched?.expected ? `due since ${formatMinute(sched.expected).slice(5)}` : d.lastRun ? `last run ${d.lastRun.status.toLowerCase()}` : 'no run on record'));
  }
  const sub =
    d.state === 'late' && d.lateByHours !== null
      ? `late ${formatAge(d.lateByHours)}${d.missedOccurrences && d.missedOccurrences > 1 ? ` · ${d.missedOccurrences} missed` : ''}`
      : sched?.next
        ? `next ${formatMinute(sched.next).slice(5)}`
        : sched
          ? 'schedule ended'
          : 'on demand';
  return h(
    'span',
    { class: 'age', title: d.reason },
    h('span', { class: 'age-value' }, formatAge(d.lastGood.ageHours)),
    h('span', { class: 'age-time' }, formatMinute(d.lastGood.time).slice(0, 16)),
    h('span', { class: `sub${d.state === 'late' ? ' late-by' : ''}` }, sub),
  );
}

function sizeCell(d: PageDevice): HTMLElement {
  return h(
    'span',
    { class: 'size' },
    sparkline(d, report.window.from),
    h(
      'span',
      { class: 'size-text' },
      d.lastGood ? formatBytes(d.lastGood.size) : '',
      d.sizeDrop ? h('span', { class: 'drop-flag', title: `newest ${formatBytes(d.sizeDrop.size)}; typical ${formatBytes(d.sizeDrop.typical)}` }, h('span', { 'aria-hidden': 'true' }, '▼ '), 'drop') : null,
    ),
  );
}

function showDay(event: MouseEvent, d: PageDevice): void {
  const target = event.currentTarget as SVGSVGElement;
  const box = target.getBoundingClientRect();
  const index = Math.floor((event.clientX - box.left) / STRIP_PITCH);
  const code = d.calendar[index] as DayCode | undefined;
  if (!code) return;
  const day = new Date(Date.parse(`${report.window.firstDay}T00:00:00Z`) + index * 86_400_000).toISOString().slice(0, 10);
  tooltip.textContent = `${d.id} · ${day}: ${report.dayCodes[code]}`;
  tooltip.hidden = false;
  tooltip.style.left = `${event.pageX + 12}px`;
  tooltip.style.top = `${event.pageY + 14}px`;
}

function details(d: PageDevice): HTMLTableRowElement {
  const dl = (...pairs: [string, Node | string | null][]) =>
    h('dl', {}, ...pairs.filter(([, v]) => v !== null && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const days = (code: DayCode) => {
    const list: string[] = [];
    for (let i = 0; i < d.calendar.length; i++) if (d.calendar[i] === code) list.push(new Date(Date.parse(`${report.window.firstDay}T00:00:00Z`) + i * 86_400_000).toISOString().slice(5, 10));
    return list.length ? list.join(', ') : null;
  };
  const counts = dayCounts(d.calendar);
  const restore = d.lastRestore;
  const copies = d.copies.slice(0, 60);
  const section = (title: string, ...content: (Node | null)[]) => h('section', { class: 'detail' }, h('h3', {}, title), ...content.filter((c): c is Node => c !== null));
  return h(
    'tr',
    { class: 'details', id: `details-${d.id}` },
    h(
      'td',
      { colspan: COLUMNS.length },
      h(
        'div',
        { class: 'detail-grid' },
        section(
          'Why',
          h('p', { class: 'reason' }, d.reason),
          dl(
            ['Schedule', d.schedule ? `${d.schedule.rule} (${d.schedule.timezone})` : 'none: on demand only'],
            ['Expected', d.schedule?.expected ? formatMinute(d.schedule.expected) : null],
            ['Next', d.schedule?.next ? formatMinute(d.schedule.next) : null],
            ['Newest copy', d.lastGood ? h('code', { class: 'key' }, d.lastGood.key) : null],
          ),
        ),
        section(
          'Runs',
          dl(
            ['Last run', d.lastRun ? `${d.lastRun.status} · ${formatMinute(d.lastRun.startedAt)} · ${d.lastRun.executionName}` : 'none on record'],
            ['Last failure', d.lastFailure ? `${formatMinute(d.lastFailure.startedAt)} · ${d.lastFailure.error ?? d.lastFailure.status}` : 'none on record'],
          ),
          d.lastFailure?.cause ? h('pre', { class: 'cause' }, d.lastFailure.cause) : null,
          dl(
            [`Last ${d.calendar.length} days`, `${counts.S} succeeded, ${counts.F} failed, ${counts.K} skipped, ${counts.M} due without a run`],
            ['Failed on', days('F')],
            ['Skipped on', days('K')],
            ['No run on', days('M')],
          ),
        ),
        section(
          `Copies (${count(d.copies.length)})`,
          d.copies.length
            ? h(
                'table',
                { class: 'copies' },
                h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Taken'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Storage class'))),
                h(
                  'tbody',
                  {},
                  ...copies.map((c, i) =>
                    h(
                      'tr',
                      { class: d.drops.includes(i) ? 'drop' : '' },
                      h('td', {}, formatMinute(packedTime(c))),
                      h('td', {}, formatBytes(c[1]), d.drops.includes(i) ? h('span', { class: 'drop-flag' }, ' ▼ drop') : null),
                      h('td', {}, storageClassName(data.classes[c[2]] ?? '?')),
                    ),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, 'No committed copy in the archive.'),
          d.copies.length > copies.length ? h('p', { class: 'muted' }, `and ${count(d.copies.length - copies.length)} older; \`backup-runner list --device ${d.id}\` lists every key`) : null,
        ),
        section(
          'Last restore',
          restore
            ? dl(
                ['Result', `${restore.status}${restore.withErrors ? ' (with errors)' : ''}${restore.drill ? ' · drill' : ''}`],
                ['Recovery time', restore.recoveryMs !== null ? formatDuration(restore.recoveryMs) : null],
                ['Onto', restore.target],
                ['Started', formatMinute(restore.startedAt)],
                ['Backup', restore.key ? h('code', { class: 'key' }, restore.key) : null],
                ['Error', restore.error ? `${restore.error}${restore.cause ? `: ${restore.cause}` : ''}` : null],
              )
            : h('p', { class: 'muted' }, `None on record. \`backup-runner drill --device ${d.id} --target <standby>\` proves the backup restores.`),
        ),
      ),
    ),
  );
}

function renderPager(page: number, pages: number): void {
  if (pages <= 1) {
    pagerEl.replaceChildren();
    return;
  }
  const go = (p: number, label: string, disabled: boolean) =>
    h('button', { type: 'button', class: 'page', disabled, onclick: () => setView({ page: p }, { keepPage: true }) }, label);
  pagerEl.replaceChildren(go(1, '« First', page === 1), go(page - 1, '‹ Previous', page === 1), h('span', { class: 'page-of' }, `Page ${count(page)} of ${count(pages)}`), go(page + 1, 'Next ›', page === pages), go(pages, 'Last »', page === pages));
}

function notes(): HTMLElement {
  const src = report.source;
  return h(
    'footer',
    { class: 'notes' },
    h('h2', {}, 'About this report'),
    h(
      'ul',
      {},
      h('li', {}, h('strong', {}, 'Run history: '), src.history),
      h('li', {}, 'States: ', h('em', {}, 'On time'), ' = a committed backup for the occurrence the schedule expected by now (6 h grace, at most half the schedule\'s gap); ', h('em', {}, 'Late'), ' = none for it; ', h('em', {}, 'Failing'), ' = the latest run failed after the newest backup; ', h('em', {}, 'Never backed up'), ' = no committed backup in the archive; ', h('em', {}, 'On demand'), ' = no schedule.'),
      h('li', {}, 'A backup counts only with its manifest (the commit mark). Size drops: a copy under half the median of the seven before it.'),
      ...report.notes.map((n) => h('li', { class: 'note' }, n)),
    ),
    h('p', { class: 'muted' }, `Report schema ${report.schemaVersion}. The same data as JSON: backup-runner report --json.`),
  );
}
