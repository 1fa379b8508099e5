import { stripVTControlCharacters } from 'node:util';

/** Visible width: colour codes take no column. */
const width = (cell: string): number => stripVTControlCharacters(cell).length;

/** A plain text table: header, rule, rows; columns as wide as their widest cell (colour codes not counted). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export { formatBytes } from '../../lambdas/common/format-bytes';
