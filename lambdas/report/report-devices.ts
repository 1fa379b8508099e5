import type { DeviceConfig } from '../config/schema';
import type { ReportDevice } from './report-input';

/** The config's devices as the report needs them: id, type, schedule; no addresses, no secret names. */
export function reportDevicesOf(devices: readonly DeviceConfig[]): ReportDevice[] {
  return devices.map((d) => ({ id: d.id, type: d.type, ...(d.schedule ? { schedule: { rrule: d.schedule.rrule, timezone: d.schedule.timezone } } : {}) }));
}
