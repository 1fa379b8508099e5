/** ISO-8601 UTC without milliseconds: `2026-03-29T01:30:00Z`. */
export function formatInstant(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
