import type { DayCode, DeviceState } from '../fleet-report';

/**
 * How the page names and marks states. Every state has a word and a shape as well as a colour, so
 * it reads in grayscale, to colour-blind eyes and to a screen reader alike.
 */
export const STATE_LABELS: Readonly<Record<DeviceState, { label: string; icon: string }>> = {
  missing: { label: 'Never backed up', icon: '○' },
  failing: { label: 'Failing', icon: '✕' },
  late: { label: 'Late', icon: '◆' },
  'on-time': { label: 'On time', icon: '✓' },
  unscheduled: { label: 'On demand', icon: '–' },
};

/** Bar heights (of 20) of the calendar strip: height tells the states apart without colour. */
export const DAY_BAR: Readonly<Record<DayCode, { y: number; height: number; name: string }>> = {
  F: { y: 0, height: 20, name: 'failed' },
  S: { y: 6, height: 14, name: 'succeeded' },
  K: { y: 11, height: 9, name: 'skipped' },
  M: { y: 15, height: 5, name: 'missed' },
  '.': { y: 18, height: 2, name: 'none' },
};

const CLASS_NAMES: Readonly<Record<string, string>> = {
  STANDARD: 'Standard',
  STANDARD_IA: 'Standard-IA',
  ONEZONE_IA: 'One Zone-IA',
  INTELLIGENT_TIERING: 'Intelligent-Tiering',
  GLACIER_IR: 'Glacier IR',
  GLACIER: 'Glacier',
  DEEP_ARCHIVE: 'Deep Archive',
  REDUCED_REDUNDANCY: 'Reduced Redundancy',
};

/** S3's storage class as people read it (`GLACIER_IR` -> `Glacier IR`); unknown classes as S3 names them. */
export function storageClassName(storageClass: string): string {
  return CLASS_NAMES[storageClass] ?? storageClass;
}

/** Classes that need a thaw (hours) before a restore can read them. */
export const COLD_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);
