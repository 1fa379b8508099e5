import { COLD_STORAGE_CLASSES } from '../archive/verify';
import type { ArchiveRestoreConfig } from '../config/schema';

/**
 * Thawing archived backups for a restore (pure). GLACIER and DEEP_ARCHIVE objects cannot be read
 * until a RestoreObject makes a temporary copy; every other class (GLACIER_IR included) is read
 * at once. The workflow waits for the copy in a Wait state, re-checking with HeadObject, so hours
 * of waiting cost a few state transitions and no Lambda time.
 */

export type RestoreTier = ArchiveRestoreConfig['tier'];

/** HeadObject's `Restore` (x-amz-restore): `ongoing-request="true"`, or `"false"` with the copy's expiry. */
export interface RestoreHeader {
  ongoing: boolean;
  expiry?: string;
}

export function parseRestoreHeader(value: string | undefined): RestoreHeader | undefined {
  if (!value) return undefined;
  const ongoing = /ongoing-request\s*=\s*"(true|false)"/i.exec(value);
  if (!ongoing) return undefined;
  const expiry = /expiry-date\s*=\s*"([^"]+)"/i.exec(value)?.[1];
  const date = expiry ? new Date(expiry) : undefined;
  return { ongoing: ongoing[1]!.toLowerCase() === 'true', ...(date && !Number.isNaN(date.getTime()) ? { expiry: date.toISOString() } : {}) };
}

export function isColdStorageClass(storageClass: string): boolean {
  return COLD_STORAGE_CLASSES.includes(storageClass);
}

export type ThawDecision =
  | { action: 'none'; reason: string }
  | { action: 'ready'; reason: string; expiry?: string }
  | { action: 'wait'; reason: string }
  | { action: 'request'; tier: RestoreTier; days: number; reason: string };

/** What to do about an object's storage class before it can be streamed to the device. */
export function thawDecision(storageClass: string, restore: RestoreHeader | undefined, config: ArchiveRestoreConfig): ThawDecision {
  if (!isColdStorageClass(storageClass)) {
    return { action: 'none', reason: storageClass === 'GLACIER_IR' ? 'GLACIER_IR is read directly, no thaw needed' : `${storageClass} is read directly, no thaw needed` };
  }
  if (restore && !restore.ongoing) {
    return { action: 'ready', reason: `a thawed copy of the ${storageClass} object is readable${restore.expiry ? ` until ${restore.expiry}` : ''}`, ...(restore.expiry ? { expiry: restore.expiry } : {}) };
  }
  if (restore?.ongoing) return { action: 'wait', reason: `a thaw of the ${storageClass} object is already in progress` };
  const { tier, note } = effectiveTier(storageClass, config.tier);
  const estimate = thawEstimate(storageClass, tier);
  return {
    action: 'request',
    tier,
    days: config.days,
    reason: `the object is in ${storageClass}: thaw with the ${tier} tier (${estimate.typical}), readable for ${config.days} day(s)${note ? `; ${note}` : ''}`,
  };
}

/** DEEP_ARCHIVE has no Expedited tier: S3 refuses it, so Standard is used instead. */
export function effectiveTier(storageClass: string, tier: RestoreTier): { tier: RestoreTier; note?: string } {
  if (storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited') {
    return { tier: 'Standard', note: 'DEEP_ARCHIVE has no Expedited tier, Standard is used' };
  }
  return { tier };
}

/** AWS's published retrieval times; `maxHours` is the upper end, the workflow gives up at twice that. */
export function thawEstimate(storageClass: string, tier: RestoreTier): { typical: string; maxHours: number } {
  if (storageClass === 'DEEP_ARCHIVE') return tier === 'Bulk' ? { typical: 'within 48 h', maxHours: 48 } : { typical: 'within 12 h', maxHours: 12 };
  if (tier === 'Expedited') return { typical: '1-5 min', maxHours: 0.5 };
  if (tier === 'Bulk') return { typical: '5-12 h', maxHours: 12 };
  return { typical: '3-5 h', maxHours: 5 };
}

/** The longest wait between two HeadObject checks. */
export const MAX_THAW_WAIT_SECONDS = 3600;

/**
 * Seconds to wait before thaw check number `checks + 1`: starts near the tier's shortest
 * retrieval time and doubles up to an hour, so a 12-hour thaw costs about fifteen checks.
 */
export function thawWaitSeconds(checks: number, tier: RestoreTier): number {
  const first = tier === 'Expedited' ? 60 : tier === 'Standard' ? 900 : 1800;
  return Math.min(MAX_THAW_WAIT_SECONDS, first * 2 ** Math.max(0, checks));
}

/** When to give up waiting: twice the published upper bound after the request. */
export function thawDeadline(requestedAt: Date, storageClass: string, tier: RestoreTier): Date {
  return new Date(requestedAt.getTime() + 2 * thawEstimate(storageClass, tier).maxHours * 3_600_000);
}
