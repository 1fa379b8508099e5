import type { DeviceConfig } from '../config/schema';
import type { ScheduleInput } from '../schedule';

/**
 * The fleet in the compact form the fleet-wide functions read (the dispatcher, the fleet health
 * check): every device id, and the schedule of each scheduled one as an index into a list of the
 * distinct schedules, so that a rule the fleet shares is stored and parsed once. Built at synth
 * time; no credentials, no addresses.
 */
export interface FleetIndex {
  readonly version: 1;
  /** The distinct schedules, as the config writes them (the rule and the zone it runs in). */
  readonly schedules: readonly { readonly rrule: ScheduleInput; readonly timezone: string }[];
  /** `[deviceId, index into schedules, or -1 for a device without a schedule]`, sorted by id. */
  readonly devices: readonly (readonly [string, number])[];
}

export const FLEET_INDEX_VERSION = 1;

/** The index of a validated device list. */
export function buildFleetIndex(devices: readonly DeviceConfig[]): FleetIndex {
  const schedules: { rrule: ScheduleInput; timezone: string }[] = [];
  const byKey = new Map<string, number>();
  const entries: [string, number][] = [];
  for (const device of devices) {
    if (!device.schedule) {
      entries.push([device.id, -1]);
      continue;
    }
    const key = JSON.stringify([device.schedule.rrule, device.schedule.timezone]);
    let index = byKey.get(key);
    if (index === undefined) {
      index = schedules.length;
      schedules.push({ rrule: device.schedule.rrule, timezone: device.schedule.timezone });
      byKey.set(key, index);
    }
    entries.push([device.id, index]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { version: FLEET_INDEX_VERSION, schedules, devices: entries };
}

/** The scheduled devices, each with its schedule object (devices that share a rule share the object). */
export function scheduledDevicesOf(index: FleetIndex): { id: string; schedule: FleetIndex['schedules'][number] }[] {
  const out: { id: string; schedule: FleetIndex['schedules'][number] }[] = [];
  for (const [id, s] of index.devices) {
    const schedule = s >= 0 ? index.schedules[s] : undefined;
    if (schedule) out.push({ id, schedule });
  }
  return out;
}

/** Every device id of the fleet. */
export function deviceIdsOf(index: FleetIndex): Set<string> {
  return new Set(index.devices.map(([id]) => id));
}
