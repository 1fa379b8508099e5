import { wallDate } from '../archive/calendar';

const DAY_MS = 86_400_000;
/** Every zone's offset has been a multiple of 15 minutes since the 1970s: a day boundary never falls inside such a slot. */
const SLOT_MS = 15 * 60_000;

/**
 * The report's calendar: `days` days in `timeZone` ending with the day of `now`, and the day an
 * instant falls on. Intl answers are cached per 15-minute slot, so a fleet of thousands of devices
 * with months of history costs a few thousand Intl calls, not millions.
 */
export class DayGrid {
  readonly days: number;
  readonly timeZone: string;
  /** The first day, `YYYY-MM-DD`. */
  readonly firstDay: string;
  /** The first day's midnight in the zone, as an instant. */
  readonly from: Date;
  private readonly firstDayNumber: number;
  private readonly slots = new Map<number, number>();

  constructor(now: Date, days: number, timeZone: string) {
    this.days = days;
    this.timeZone = timeZone;
    this.firstDayNumber = dayNumber(now, timeZone) - (days - 1);
    this.firstDay = new Date(this.firstDayNumber * DAY_MS).toISOString().slice(0, 10);
    this.from = startOfDay(this.firstDayNumber, (t) => this.dayNumberOf(t));
  }

  /** The day's index in the window (0 = first day); negative before it, >= days after it. */
  indexOf(instant: Date): number {
    return this.dayNumberOf(instant.getTime()) - this.firstDayNumber;
  }

  private dayNumberOf(t: number): number {
    const slot = Math.floor(t / SLOT_MS);
    let n = this.slots.get(slot);
    if (n === undefined) {
      n = dayNumber(new Date(slot * SLOT_MS), this.timeZone);
      this.slots.set(slot, n);
    }
    return n;
  }
}

/** Days since 1970-01-01 of the wall-clock date of `instant` in `timeZone`. */
function dayNumber(instant: Date, timeZone: string): number {
  const d = wallDate(instant, timeZone);
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

/** The first instant (to the slot) whose wall date is day `n`. */
function startOfDay(n: number, dayOf: (t: number) => number): Date {
  // The day starts within 16 hours of its UTC midnight; step by slots from 16 h before.
  let t = Math.floor((n * DAY_MS - 16 * 3_600_000) / SLOT_MS) * SLOT_MS;
  while (dayOf(t) < n) t += SLOT_MS;
  return new Date(t);
}
