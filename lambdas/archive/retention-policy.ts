import type { DeviceConfig, RunnerConfig } from '../config/schema';
import type { RetentionPolicy } from './retention';

/**
 * The policy that applies to one device: `archive.retention`, overridden field by field by the
 * device's own `retention` (a device may keep more dailies and inherit the rest). Undefined when
 * neither sets anything: no pruning.
 */
export function effectiveRetention(config: RunnerConfig, device: DeviceConfig): RetentionPolicy | undefined {
  const merged: RetentionPolicy = { ...config.archive.retention };
  for (const [field, value] of Object.entries(device.retention ?? {}) as [keyof RetentionPolicy, number | undefined][]) {
    if (value !== undefined) merged[field] = value;
  }
  return Object.values(merged).some((v) => v !== undefined) ? merged : undefined;
}

/** The zone whose calendar the device's daily/weekly/monthly/yearly periods follow. */
export function retentionTimeZone(device: DeviceConfig): string {
  return device.schedule?.timezone ?? 'UTC';
}
