/** What to send for a download, given the file size and the request's Range header. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number } // end exclusive
  | { kind: 'unsatisfiable' };

/**
 * Interprets a single-range `Range: bytes=...` header (RFC 9110 14.1.2): `N-`, `N-M`, `-N` (suffix).
 * Anything else (other units, several ranges, malformed) is ignored and the full file sent,
 * which the RFC allows; a start at or past the end is unsatisfiable (416).
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (last === '') return { kind: 'partial', start, end: size };
  const lastByte = Number(last);
  if (lastByte < start) return { kind: 'full' }; // invalid range: ignore the header
  return { kind: 'partial', start, end: Math.min(size, lastByte + 1) };
}
