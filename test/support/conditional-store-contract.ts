import { describe, expect, it } from 'vitest';
import { DeviceLocked } from '../../lambdas/common/errors';
import type { ConditionalStore } from '../../lambdas/state/conditional-store';
import { DeviceLocks } from '../../lambdas/state/device-locks';

/**
 * What every conditional store (memory, a directory, DynamoDB) must do, and DeviceLocks on it: one
 * contract, run by test/unit/state (memory, files) and test/integration (DynamoDB in moto).
 */
export function conditionalStoreContract(stores: Array<[string, () => ConditionalStore | Promise<ConditionalStore>]>): void {
  describe.each(stores)('the conditional store in %s', (_name, makeStore) => {
    const make = () => makeStore();
    it('writes only when the key is absent or still at the version read, and counts versions', async () => {
      const store = await make();
      expect(await store.get('k')).toBeUndefined();
      expect(await store.put('k', { a: 1 }, { ifAbsent: true }, 100)).toBe(true);
      expect(await store.put('k', { a: 2 }, { ifAbsent: true })).toBe(false);
      expect(await store.get('k')).toEqual({ value: { a: 1 }, version: 1, expiresAt: 100 });
      expect(await store.put('k', { a: 2 }, { ifVersion: 2 })).toBe(false);
      expect(await store.put('k', { a: 2 }, { ifVersion: 1 })).toBe(true);
      expect(await store.delete('k', { ifVersion: 1 })).toBe(false);
      expect(await store.delete('k', { ifVersion: 2 })).toBe(true);
      expect(await store.get('k')).toBeUndefined();
    });

    it('lets exactly one of many concurrent writers of the same version win', async () => {
      const store = await make();
      await store.put('race', { n: 0 }, { ifAbsent: true });
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => store.put('race', { n: i + 1 }, { ifVersion: 1 })));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await store.get('race'))!.version).toBe(2);
    });
  });

  describe.each(stores)('DeviceLocks on %s', (_name, makeStore) => {
    const make = () => makeStore();
    const at = (iso: string) => () => new Date(iso);
    const until = new Date('2026-11-22T14:00:00Z');

    it('refuses a second execution for the device, naming the one that holds it; another device is free', async () => {
      const locks = new DeviceLocks(await make(), at('2026-11-22T02:00:00Z'));
      await locks.acquire('ar11', 'ar11-20261122T0200Z', until);
      const refused = await locks.acquire('ar11', 'ar11-manual-20261122T020105Z', until).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DeviceLocked);
      expect(refused).toMatchObject({ name: 'DeviceLocked', deviceId: 'ar11', holder: 'ar11-20261122T0200Z' });
      expect((refused as Error).message).toBe(
        'ar11: another backup of this device is running: execution ar11-20261122T0200Z (since 2026-11-22T02:00:00.000Z); not starting a second one, which would collide with it on the device',
      );
      await locks.acquire('ar12', 'ar12-20261122T0200Z', until);
      expect(await locks.holder('ar12')).toMatchObject({ executionName: 'ar12-20261122T0200Z' });
    });

    it('renews for the same execution (a re-run inside it), keeping since', async () => {
      let now = '2026-11-22T02:00:00Z';
      const locks = new DeviceLocks(await make(), () => new Date(now));
      await locks.acquire('ar11', 'x', until);
      now = '2026-11-22T02:30:00Z';
      await locks.acquire('ar11', 'x', new Date('2026-11-22T15:00:00Z'));
      expect(await locks.holder('ar11')).toEqual({ executionName: 'x', since: '2026-11-22T02:00:00.000Z', until: '2026-11-22T15:00:00.000Z' });
    });

    it('releases only the holder\'s lock', async () => {
      const locks = new DeviceLocks(await make(), at('2026-11-22T02:00:00Z'));
      await locks.acquire('ar11', 'first', until);
      expect(await locks.release('ar11', 'second')).toBe(false);
      expect(await locks.holder('ar11')).toMatchObject({ executionName: 'first' });
      expect(await locks.release('ar11', 'first')).toBe(true);
      expect(await locks.holder('ar11')).toBeUndefined();
      await locks.acquire('ar11', 'second', until);
      expect(await locks.release('ar11', 'first')).toBe(false);
    });

    it('treats a lock past its expiry as free (an execution that timed out never released it)', async () => {
      const store = await make();
      await new DeviceLocks(store, at('2026-11-22T02:00:00Z')).acquire('ar11', 'dead', new Date('2026-11-22T03:00:00Z'));
      const later = new DeviceLocks(store, at('2026-11-22T03:00:01Z'));
      expect(await later.holder('ar11')).toBeUndefined();
      await later.acquire('ar11', 'next', until);
      expect(await later.holder('ar11')).toMatchObject({ executionName: 'next', since: '2026-11-22T03:00:01.000Z' });
    });

    it('lets exactly one of many executions racing for a device win; every other is told who won', async () => {
      const locks = new DeviceLocks(await make(), at('2026-11-22T02:00:00Z'));
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => locks.acquire('ar11', `run-${i}`, until).then(() => `run-${i}`, (e: unknown) => e)));
      const winners = outcomes.filter((o): o is string => typeof o === 'string');
      expect(winners).toHaveLength(1);
      for (const lost of outcomes.filter((o) => typeof o !== 'string')) expect(lost).toMatchObject({ name: 'DeviceLocked', holder: winners[0] });
    });
  });
}
