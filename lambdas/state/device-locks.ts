import { DeviceLocked } from '../common/errors';
import type { ConditionalStore, StoredItem } from './conditional-store';

/** Who holds a device's lock: the execution backing it up, since when, until when at the latest. */
export interface LockHolder {
  readonly executionName: string;
  /** ISO-8601 UTC. */
  readonly since: string;
  /** ISO-8601 UTC: the lock counts as free after this even if never released (the execution's timeout). */
  readonly until: string;
}

/**
 * One run per device at a time. Two backups at once collide on the device (one deletes the
 * other's copy to make room, or the device refuses the second half-way), whoever starts them: the
 * dispatcher, `backup-now`, a local `run`. The backup state machine takes the device's lock in
 * StartBackup and releases it at its end, succeeded or failed; an execution that times out or is
 * aborted never reaches its end, so its lock expires at the execution's timeout (and the reporter
 * releases it when Step Functions says the execution stopped).
 */
export class DeviceLocks {
  constructor(
    private readonly store: ConditionalStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Where the locks are, for messages. */
  get description(): string {
    return this.store.description;
  }

  /**
   * Takes the device's lock for `executionName` until `until`, or throws DeviceLocked naming the
   * execution that holds it. Taking it again for the same execution (a re-run inside it) renews it.
   */
  async acquire(deviceId: string, executionName: string, until: Date): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const stored = await this.store.get(lockKey(deviceId));
      const holder = this.liveHolder(stored);
      if (holder && holder.executionName !== executionName) throw lockedError(deviceId, holder);
      const value: LockHolder = { executionName, since: holder?.since ?? this.now().toISOString(), until: until.toISOString() };
      const written = await this.store.put(lockKey(deviceId), { deviceId, ...value }, stored ? { ifVersion: stored.version } : { ifAbsent: true }, Math.ceil(until.getTime() / 1000));
      if (written) return;
      // Another starter wrote in between: look again at who holds it now.
    }
    const holder = this.liveHolder(await this.store.get(lockKey(deviceId)));
    throw lockedError(deviceId, holder ?? { executionName: 'unknown (the lock changed hands five times while taking it)', since: this.now().toISOString(), until: '' });
  }

  /** Releases the lock if `executionName` holds it; true when it did. Never releases another execution's lock. */
  async release(deviceId: string, executionName: string): Promise<boolean> {
    const stored = await this.store.get(lockKey(deviceId));
    if (!stored || stored.value.executionName !== executionName) return false;
    return this.store.delete(lockKey(deviceId), { ifVersion: stored.version });
  }

  /** The execution holding the device's lock now, if any. */
  async holder(deviceId: string): Promise<LockHolder | undefined> {
    return this.liveHolder(await this.store.get(lockKey(deviceId)));
  }

  private liveHolder(stored: StoredItem | undefined): LockHolder | undefined {
    if (!stored) return undefined;
    if (stored.expiresAt !== undefined && stored.expiresAt * 1000 <= this.now().getTime()) return undefined;
    const { executionName, since, until } = stored.value;
    if (typeof executionName !== 'string') return undefined;
    return { executionName, since: String(since ?? ''), until: String(until ?? '') };
  }
}

/** The store key of a device's lock. */
export function lockKey(deviceId: string): string {
  return `lock#${deviceId}`;
}

function lockedError(deviceId: string, holder: LockHolder): DeviceLocked {
  return new DeviceLocked(
    `another backup of this device is running: execution ${holder.executionName} (since ${holder.since}); not starting a second one, which would collide with it on the device`,
    { deviceId, holder: holder.executionName },
  );
}
