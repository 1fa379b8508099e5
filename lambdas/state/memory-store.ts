import { conditionHolds, type ConditionalStore, type StoredItem } from './conditional-store';

/** The conditional store in this process's memory: tests, and runs that need no other process to see their state. */
export function memoryConditionalStore(): ConditionalStore & { readonly items: ReadonlyMap<string, StoredItem> } {
  const items = new Map<string, StoredItem>();
  return {
    description: 'memory',
    items,
    async get(key) {
      const item = items.get(key);
      return item && structuredClone(item);
    },
    async put(key, value, condition, expiresAt) {
      const stored = items.get(key);
      if (!conditionHolds(stored, condition)) return false;
      items.set(key, { value: structuredClone(value), version: (stored?.version ?? 0) + 1, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      return true;
    },
    async delete(key, condition) {
      if (!conditionHolds(items.get(key), condition)) return false;
      items.delete(key);
      return true;
    },
  };
}
