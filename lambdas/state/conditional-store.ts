/**
 * The runner's mutable state (per-device locks, the dispatcher's carried-over occurrences) lives in
 * a store made for conditional writes and expiry, never in the archive bucket: under Object Lock
 * every write to the archive is a version locked for the whole retention period. DynamoDB (on
 * demand, TTL) in the stack; a directory of files for local runs; memory in tests. All three keep
 * this contract, so the logic above them (device-locks.ts, the dispatcher's state) is written once.
 */

/** One item: a small JSON object, the version it was written at, and when it expires. */
export interface StoredItem {
  readonly value: Readonly<Record<string, unknown>>;
  /** 1 for the first write of the key, +1 for each write since. */
  readonly version: number;
  /** Epoch seconds after which the item is stale (DynamoDB's TTL removes it some time later). */
  readonly expiresAt?: number;
}

/** A write happens only when the key is absent, or still at the version the writer read. */
export type WriteCondition = { readonly ifAbsent: true } | { readonly ifVersion: number };

export interface ConditionalStore {
  /** Where the state is, for messages: "DynamoDB table X", a directory. */
  readonly description: string;
  /** The item as stored, stale or not; undefined when absent. */
  get(key: string): Promise<StoredItem | undefined>;
  /** Writes `value` at the next version when `condition` holds; false (nothing written) when it does not. */
  put(key: string, value: Record<string, unknown>, condition: WriteCondition, expiresAt?: number): Promise<boolean>;
  /** Deletes the item when it is still at `ifVersion`; false when it is not (or gone). */
  delete(key: string, condition: { readonly ifVersion: number }): Promise<boolean>;
}

/** Whether `condition` holds for what is stored. Pure: the file and memory stores decide with it. */
export function conditionHolds(stored: StoredItem | undefined, condition: WriteCondition | { readonly ifVersion: number }): boolean {
  return 'ifAbsent' in condition ? stored === undefined : stored?.version === condition.ifVersion;
}
