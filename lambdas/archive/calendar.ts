/**
 * Calendar periods of an instant in a time zone, as retention counts them: the day, the ISO week
 * (Monday first; the week-numbering year may differ from the calendar year around New Year), the
 * month and the year of the wall clock in that zone. Pure, Intl-based (the runtime's tz data).
 */

export type PeriodUnit = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface WallDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for an unknown zone; callers name the device.
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date of `instant` on a wall clock in `timeZone`. */
export function wallDate(instant: Date, timeZone: string): WallDate {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(date: WallDate): { year: number; week: number } {
  // The week belongs to the year of its Thursday.
  const utc = new Date(Date.UTC(date.year, date.month - 1, date.day));
  const weekday = utc.getUTCDay() || 7; // Monday 1 ... Sunday 7
  utc.setUTCDate(utc.getUTCDate() + 4 - weekday);
  const year = utc.getUTCFullYear();
  const week = Math.ceil(((utc.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The period `instant` falls in, as a readable key: `2026-11-20`, `2026-W47`, `2026-11`, `2026`. */
export function periodKey(unit: PeriodUnit, instant: Date, timeZone: string): string {
  const date = wallDate(instant, timeZone);
  switch (unit) {
    case 'daily':
      return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
    case 'weekly': {
      const { year, week } = isoWeek(date);
      return `${pad(year, 4)}-W${pad(week)}`;
    }
    case 'monthly':
      return `${pad(date.year, 4)}-${pad(date.month)}`;
    case 'yearly':
      return pad(date.year, 4);
  }
}

/** True when `timeZone` is a zone the runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}
