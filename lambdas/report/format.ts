/**
 * How the report words times, shared by the data model (its `reason` lines) and the page.
 * Pure; no Node or DOM APIs, so the page's bundle can carry it.
 */

/** `45 min`, `7 h`, `3 d 4 h`, `41 d`: an age as an operator reads it. */
export function formatAge(hours: number): string {
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  const days = Math.floor(hours / 24);
  const rest = Math.round(hours - days * 24);
  return days >= 10 || rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}

/** `2026-11-22 02:00 UTC`: an ISO instant to the minute. */
export function formatMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
