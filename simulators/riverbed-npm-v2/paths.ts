/**
 * The npm.backup 2.0 paths this simulator serves, written from the documents (never from the
 * driver, whose assumptions it must be able to contradict). `{sid}` is a server id, `{id}` a
 * backup id.
 *
 * From seed 001: the backups of a server, a completed backup, device_status.
 * From Riverbed's public page (device-apis.md): servers, start, upload.
 * Simulator assumptions, where no public source documents the link (device-apis.md, "inferred";
 * a real device publishes its own at GET /api/npm.backup/2.0): download `.../items/{id}/file`,
 * restore `.../items/{id}/restore`, delete = DELETE on the item, create server = POST on the
 * collection. If the driver's reading differs from these, the tests say so.
 */
export const API = '/api/npm.backup/2.0';

export const paths = {
  servers: `${API}/servers`,
  server: `${API}/servers/items/{sid}`,
  deviceStatus: `${API}/device_status`,
  startBackup: `${API}/backups/server/{sid}/start`,
  upload: `${API}/backups/server/{sid}/upload`,
  backupsOnServer: `${API}/backups/server/{sid}`,
  completedBackup: `${API}/completed_backups/server/{sid}/items/{id}`,
  /** Assumption (no public source). */
  download: `${API}/completed_backups/server/{sid}/items/{id}/file`,
  /** Assumption (no public source). */
  restore: `${API}/completed_backups/server/{sid}/items/{id}/restore`,
} as const;

/** The links no public source documents, as the service definition lists them. */
export const assumedLinks = [paths.download.replace('{sid}', '0'), paths.restore.replace('{sid}', '0'), paths.servers] as const;
