import { formatBytes } from '../../../common/format-bytes';
import { formatDuration } from '../../../restore/format';
import type { DayCode, DeviceState, RestoreReport } from '../../fleet-report';
import { formatAge } from '../../format';
import { DAY_BAR, STATE_LABELS, storageClassName } from '../labels';
import type { PageDevice } from '../page-data';
import { h, s } from './dom';

/** The small graphics of a row: state badge, calendar strip, size sparkline, storage, last restore. */

export function stateBadge(state: DeviceState): HTMLElement {
  const { label, icon } = STATE_LABELS[state];
  return h('span', { class: `badge state-${state}`, 'data-state': state }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), label);
}

export const STRIP_PITCH = 3;
const STRIP_BAR = 2;

/**
 * The calendar strip: one bar per day, oldest left. One path per day kind (not one element per
 * day), so a page of 1,000 devices stays a few thousand nodes. Height tells the kinds apart.
 */
export function calendarStrip(calendar: string, firstDay: string): SVGSVGElement {
  const paths: Record<DayCode, string[]> = { S: [], F: [], K: [], M: [], '.': [] };
  for (let i = 0; i < calendar.length; i++) {
    const code = calendar[i] as DayCode;
    const bar = DAY_BAR[code];
    if (bar) paths[code].push(`M${i * STRIP_PITCH} ${bar.y}h${STRIP_BAR}v${bar.height}h-${STRIP_BAR}z`);
  }
  const counts = dayCounts(calendar);
  const label = `Last ${calendar.length} days from ${firstDay}: ${counts.S} succeeded, ${counts.F} failed, ${counts.K} skipped, ${counts.M} missed, ${counts['.']} without a run`;
  return s(
    'svg',
    { class: 'strip', width: calendar.length * STRIP_PITCH, height: 20, viewBox: `0 0 ${calendar.length * STRIP_PITCH} 20`, role: 'img', 'aria-label': label, 'data-calendar': calendar },
    ...(Object.keys(paths) as DayCode[]).filter((c) => paths[c].length).map((c) => s('path', { class: `day day-${DAY_BAR[c].name}`, d: paths[c].join('') })),
  );
}

export function dayCounts(calendar: string): Record<DayCode, number> {
  const counts: Record<DayCode, number> = { S: 0, F: 0, K: 0, M: 0, '.': 0 };
  for (const c of calendar) counts[c as DayCode]++;
  return counts;
}

const SPARK_W = 84;
const SPARK_H = 20;

/** The sizes of the copies in the window, oldest left, scaled to the largest; drops marked with a red triangle. */
export function sparkline(device: PageDevice, windowFrom: string): SVGSVGElement | HTMLElement {
  const fromMinute = Date.parse(windowFrom) / 60_000;
  const drops = new Set(device.drops);
  const points = device.copies
    .map((c, i) => ({ minute: c[0], size: c[1], drop: drops.has(i) }))
    .filter((p) => p.minute >= fromMinute)
    .reverse();
  if (points.length === 0) return h('span', { class: 'muted' }, '—');
  const max = Math.max(...points.map((p) => p.size), 1);
  const x = (i: number) => (points.length === 1 ? SPARK_W / 2 : 2 + (i * (SPARK_W - 4)) / (points.length - 1));
  const y = (size: number) => SPARK_H - 3 - (size / max) * (SPARK_H - 6);
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.size).toFixed(1)}`).join(' ');
  const dropCount = points.filter((p) => p.drop).length;
  const last = points[points.length - 1]!;
  return s(
    'svg',
    {
      class: 'spark',
      width: SPARK_W,
      height: SPARK_H,
      viewBox: `0 0 ${SPARK_W} ${SPARK_H}`,
      role: 'img',
      'aria-label': `${points.length} copies in the window, newest ${formatBytes(last.size)}${dropCount ? `, ${dropCount} far smaller than the ones before` : ''}`,
    },
    s('polyline', { points: line, class: 'spark-line' }),
    s('circle', { cx: x(points.length - 1).toFixed(1), cy: y(last.size).toFixed(1), r: 2, class: last.drop ? 'spark-end drop' : 'spark-end' }),
    ...points.flatMap((p, i) => (p.drop ? [s('path', { class: 'spark-drop', d: `M${(x(i) - 3.5).toFixed(1)} ${(y(p.size) + 2).toFixed(1)}h7l-3.5 5z` })] : [])),
  );
}

/** Copies per storage class, warmest first: `3 Standard · 10 Glacier IR`. */
export function storageSummary(storage: PageDevice['storage'], classes: readonly string[]): HTMLElement {
  const order = (name: string) => {
    const i = classes.indexOf(name);
    return i < 0 ? 99 : i;
  };
  const entries = Object.entries(storage).sort(([a], [b]) => order(a) - order(b));
  if (!entries.length) return h('span', { class: 'muted' }, 'no copies');
  return h(
    'span',
    { class: 'tiers' },
    ...entries.flatMap(([name, t], i) => [
      i ? h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · ') : null,
      h('span', { class: `tier tier-${name.toLowerCase()}`, title: `${t.copies} cop${t.copies === 1 ? 'y' : 'ies'} in ${name}, ${formatBytes(t.bytes)}` }, `${t.copies} ${storageClassName(name)}`),
    ]),
  );
}

/** The last restore: result, recovery time, how long ago (as of the report). */
export function restoreCell(restore: RestoreReport | null, generatedAt: string): HTMLElement {
  if (!restore) return h('span', { class: 'muted' }, 'none on record');
  const ago = formatAge((Date.parse(generatedAt) - Date.parse(restore.startedAt)) / 3_600_000);
  const ok = restore.status === 'SUCCEEDED';
  const what = restore.drill ? 'drill' : 'restore';
  return h(
    'span',
    { class: `restore ${ok ? (restore.withErrors ? 'restore-warn' : 'restore-ok') : 'restore-failed'}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, ok ? (restore.withErrors ? '!' : '✓') : '✕'),
    ok
      ? `${restore.recoveryMs !== null ? formatDuration(restore.recoveryMs) : 'done'}${restore.withErrors ? ' with errors' : ''}`
      : `${what} failed`,
    h('span', { class: 'sub' }, `${what} ${ago} ago`),
  );
}
