import type { CatalogBackup } from '../archive/catalog';
import { formatIsoSeconds } from './format';

/** Which archived backup to restore: the newest committed one, one by its object key, or the newest taken before an instant. */
export type BackupSelector = { latest: true } | { key: string } | { before: string };

/** `--latest`, `--key K`, `--before ISO`: exactly one; an ISO instant must carry its offset (Z or +hh:mm). */
export function parseSelector(options: { latest?: boolean; key?: string; before?: string }): BackupSelector | { problem: string } {
  const given = [options.latest ? 'latest' : undefined, options.key !== undefined ? 'key' : undefined, options.before !== undefined ? 'before' : undefined].filter(
    (v): v is string => v !== undefined,
  );
  if (given.length !== 1) {
    return { problem: `choose the backup with exactly one of --latest, --key K or --before ISO (${given.length ? `got --${given.join(' and --')}` : 'got none'})` };
  }
  if (options.latest) return { latest: true };
  if (options.key !== undefined) return options.key.trim() ? { key: options.key.trim() } : { problem: '--key needs an object key such as backups/ar11-lab/2026/11/22/20261122T020000Z-abc.tar.gz' };
  const before = options.before!;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(before) || Number.isNaN(Date.parse(before))) {
    return { problem: `--before "${before}" is not an ISO-8601 instant with an offset, e.g. 2026-11-22T06:00:00Z` };
  }
  return { before };
}

/** In words, for plans and errors. */
export function describeSelector(selector: BackupSelector): string {
  if ('latest' in selector) return 'the latest committed backup';
  if ('key' in selector) return `the backup ${selector.key}`;
  return `the newest backup taken before ${formatIsoSeconds(new Date(selector.before))}`;
}

/**
 * The backup a selector picks from a device's committed backups (newest first, as listCatalog
 * returns them), or why none fits. "Before" is strict: a backup taken at that very instant is
 * not before it.
 */
export function selectBackup(backups: readonly CatalogBackup[], selector: BackupSelector): { backup: CatalogBackup } | { problem: string } {
  if (!backups.length) return { problem: 'the archive holds no committed backup of this device' };
  if ('latest' in selector) return { backup: backups[0]! };
  if ('key' in selector) {
    const found = backups.find((b) => b.key === selector.key || b.manifestKey === selector.key);
    return found ? { backup: found } : { problem: `no committed backup has the key ${selector.key} (an object without its manifest is not a backup; see backup-runner list)` };
  }
  const limit = Date.parse(selector.before);
  const found = backups.find((b) => b.time.getTime() < limit);
  if (found) return { backup: found };
  const oldest = backups[backups.length - 1]!;
  return { problem: `no backup was taken before ${formatIsoSeconds(new Date(limit))}; the oldest is from ${formatIsoSeconds(oldest.time)}` };
}
