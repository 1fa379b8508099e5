import type { DeviceReport, FleetReport } from '../fleet-report';

/**
 * The report as the HTML page carries it: the same FleetReport, with each device's copies packed
 * as `[epoch minute, size, storage class index]` (newest first) and its size points given as
 * indices of drops, instead of objects with ISO strings and keys. A fleet of 5,000 devices with
 * 30 copies each would otherwise embed about 40 MB; packed it is a few MB (BENCHMARKS.md).
 * The newest copy keeps its key (lastGood.key); `report --json` has every key.
 */

export type PackedCopy = [minute: number, size: number, storageClass: number];

export interface PageDevice extends Omit<DeviceReport, 'copies' | 'sizes'> {
  copies: PackedCopy[];
  /** Indices into `copies` of the copies that are size drops. */
  drops: number[];
}

export interface PageData {
  report: Omit<FleetReport, 'devices'>;
  /** Storage class names, indexed by PackedCopy[2]. */
  classes: string[];
  devices: PageDevice[];
}

const MINUTE_MS = 60_000;

/** The page's data for a report (pure). */
export function packForPage(report: FleetReport): PageData {
  const classes: string[] = [];
  const classIndex = new Map<string, number>();
  const indexOf = (name: string): number => {
    let i = classIndex.get(name);
    if (i === undefined) {
      i = classes.length;
      classes.push(name);
      classIndex.set(name, i);
    }
    return i;
  };
  const { devices, ...rest } = report;
  return {
    report: rest,
    classes,
    devices: devices.map(({ copies, sizes, ...device }) => {
      const dropTimes = new Set(sizes.filter((s) => s.drop).map((s) => s.time));
      return {
        ...device,
        copies: copies.map((c): PackedCopy => [Math.round(Date.parse(c.time) / MINUTE_MS), c.size, indexOf(c.storageClass)]),
        drops: copies.flatMap((c, i) => (dropTimes.has(c.time) ? [i] : [])),
      };
    }),
  };
}

/** A packed copy's time as ISO-8601 UTC (to the minute). */
export function packedTime(copy: PackedCopy): string {
  return new Date(copy[0] * MINUTE_MS).toISOString().replace(/:\d{2}\.\d{3}Z$/, ':00Z');
}
