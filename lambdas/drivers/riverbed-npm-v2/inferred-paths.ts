import { NPM_V2_API, npmV2Paths } from './paths';

/**
 * Every npm.backup 2.0 link and convention that no public copy of the API documents (see
 * device-apis.md): kept in this one file so that what a real device publishes at
 * `GET /api/npm.backup/2.0` (its service definition) can be followed by changing only this.
 * The simulator (simulators/riverbed-npm-v2/paths.ts) writes down its own reading of these links;
 * where the two differ, the tests say so.
 */
export const npmV2InferredPaths = {
  /** Download of a completed backup on a local server (the device's own disk). */
  download: (serverId: number, id: string) => `${npmV2Paths.completedBackup(serverId, id)}/file`,
  /** Restore of a completed backup; body {contents}. */
  restore: (serverId: number, id: string) => `${npmV2Paths.completedBackup(serverId, id)}/restore`,
  /** Delete of a completed backup (the usual REST link of an item): DELETE on the item. */
  deleteCompleted: (serverId: number, id: string) => npmV2Paths.completedBackup(serverId, id),
  /** Creating a server: POST to the collection (the usual REST link of a collection). */
  createServer: `${NPM_V2_API}/servers`,
} as const;

/**
 * Inferred: the file a remote filer holds for a backup is a single file in the server's `path`
 * whose name contains the backup id (e.g. `<id>.tar.gz`). The driver lists the directory and
 * accepts exactly one such file.
 */
export function isFilerFileOf(fileName: string, backupId: string): boolean {
  return fileName.includes(backupId) && !fileName.startsWith('.');
}

/** Inferred: a backup is a gzip tarball, as npm.backup 1.0 files are. */
export const NPM_V2_BACKUP_EXTENSION = 'tar.gz';
export const NPM_V2_BACKUP_CONTENT_TYPE = 'application/x-gzip';
