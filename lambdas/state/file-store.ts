import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackupRunnerError } from '../common/errors';
import { conditionHolds, type ConditionalStore, type StoredItem } from './conditional-store';

/** A mutex file older than this belongs to a process that died holding it. */
const STALE_MUTEX_MS = 10_000;
const MUTEX_WAIT_MS = 15_000;

/**
 * The conditional store as a directory of JSON files, one per key, for local runs: two `run`
 * commands on one machine (two terminals, a cron job and a person) see each other's locks.
 * Each read-check-write holds a per-key mutex file created exclusively (O_EXCL), and the item is
 * replaced by rename, so a reader never sees half a file.
 */
export function fileConditionalStore(directory: string): ConditionalStore {
  const fileOf = (key: string) => join(directory, `${encodeURIComponent(key)}.json`);

  const read = async (key: string): Promise<StoredItem | undefined> => {
    let text: string;
    try {
      text = await readFile(fileOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new BackupRunnerError(`cannot read the runner state ${fileOf(key)}: ${(error as Error).message}`);
    }
    try {
      return JSON.parse(text) as StoredItem;
    } catch {
      throw new BackupRunnerError(`the runner state ${fileOf(key)} is not JSON; delete it if no backup runs`);
    }
  };

  const underMutex = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    await mkdir(directory, { recursive: true });
    const mutex = `${fileOf(key)}.mutex`;
    const giveUpAt = Date.now() + MUTEX_WAIT_MS;
    for (;;) {
      try {
        await (await open(mutex, 'wx')).close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(mutex).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_MUTEX_MS) await rm(mutex, { force: true });
        else if (Date.now() > giveUpAt) throw new BackupRunnerError(`the runner state ${fileOf(key)} stayed busy for ${MUTEX_WAIT_MS / 1000} s (${mutex})`);
        else await sleep(5 + Math.random() * 20);
      }
    }
    try {
      return await work();
    } finally {
      await rm(mutex, { force: true });
    }
  };

  return {
    description: `directory ${directory}`,
    get: read,
    put: (key, value, condition, expiresAt) =>
      underMutex(key, async () => {
        const stored = await read(key);
        if (!conditionHolds(stored, condition)) return false;
        const item: StoredItem = { value, version: (stored?.version ?? 0) + 1, ...(expiresAt !== undefined ? { expiresAt } : {}) };
        const temporary = `${fileOf(key)}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify(item)}\n`);
        await rename(temporary, fileOf(key));
        return true;
      }),
    delete: (key, condition) =>
      underMutex(key, async () => {
        if (!conditionHolds(await read(key), condition)) return false;
        await rm(fileOf(key), { force: true });
        return true;
      }),
  };
}
