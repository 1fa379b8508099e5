/**
 * Size drops: a backup far smaller than the ones before it is the quiet failure a "succeeded"
 * status hides (a device that exported an empty config, a filer that ran out of space mid-write).
 * Pure over sizes in time order.
 */

/** A backup under this share of the median of the ones before it is a drop. */
export const SIZE_DROP_RATIO = 0.5;
/** How many earlier backups the median is taken over. */
export const SIZE_BASELINE_COUNT = 7;
/** Fewer earlier backups than this: no baseline, never a drop. */
export const SIZE_BASELINE_MIN = 3;

export interface SizeTrend {
  /** Per size (oldest first): the median of the ones before it, when there are enough of them. */
  baselines: (number | undefined)[];
  /** Per size: far smaller than its baseline. */
  drops: boolean[];
}

/** Baselines and drops of sizes in time order (oldest first). */
export function sizeTrend(sizes: readonly number[]): SizeTrend {
  const baselines: (number | undefined)[] = [];
  const drops: boolean[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const baseline = i < SIZE_BASELINE_MIN ? undefined : median(sizes.slice(Math.max(0, i - SIZE_BASELINE_COUNT), i));
    baselines.push(baseline);
    drops.push(baseline !== undefined && sizes[i]! < baseline * SIZE_DROP_RATIO);
  }
  return { baselines, drops };
}

/** Which sizes (oldest first) are drops. */
export function sizeDrops(sizes: readonly number[]): boolean[] {
  return sizeTrend(sizes).drops;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
