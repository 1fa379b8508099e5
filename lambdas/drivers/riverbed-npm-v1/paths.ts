/**
 * Where things are on an AppResponse 11 / Portal (Riverbed npm.backup 1.0, seed 000 and
 * device-apis.md). Paths are from the device's origin; ids are encoded because they come
 * from the device.
 */

/** mgmt.aaa token endpoints, newest first: 2.0 on 11.6 and later, 1.0 on 11.4 and 11.5. */
export const TOKEN_PATHS = [
  { version: '2.0', path: '/api/mgmt.aaa/2.0/token' },
  { version: '1.0', path: '/api/mgmt.aaa/1.0/token' },
] as const;

export type TokenApiVersion = (typeof TOKEN_PATHS)[number]['version'];

const BACKUP_API = '/api/npm.backup/1.0';

export const npmV1Paths = {
  backups: `${BACKUP_API}/backups`,
  backup: (id: string) => `${BACKUP_API}/backups/items/${encodeURIComponent(id)}`,
  backupFile: (id: string) => `${BACKUP_API}/backups/items/${encodeURIComponent(id)}/file`,
  // Restore (later work): upload the raw file, start the restore, then poll restore_status.
  upload: `${BACKUP_API}/backups/upload`,
  restore: (id: string) => `${BACKUP_API}/backups/items/${encodeURIComponent(id)}/restore`,
  restoreStatus: `${BACKUP_API}/restore_status`,
  /** No authentication needed; gives sw_version. */
  info: '/api/common/1.0/info',
} as const;
