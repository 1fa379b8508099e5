/**
 * Where things are on an npm.backup 2.0 device, as seed 001 and device-apis.md document them.
 * The paths no public source confirms are in inferred-paths.ts, and only there.
 */
export const NPM_V2_API = '/api/npm.backup/2.0';

export const npmV2Paths = {
  servers: `${NPM_V2_API}/servers`,
  server: (id: number) => `${NPM_V2_API}/servers/items/${id}`,
  deviceStatus: `${NPM_V2_API}/device_status`,
  /** POST {name, desc, contents}: starts a backup to that server; answers an operation_info. */
  startBackup: (serverId: number) => `${NPM_V2_API}/backups/server/${serverId}/start`,
  /** GET: the completed backups on that server. */
  backupsOnServer: (serverId: number) => `${NPM_V2_API}/backups/server/${serverId}`,
  completedBackup: (serverId: number, id: string) => `${NPM_V2_API}/completed_backups/server/${serverId}/items/${encodeURIComponent(id)}`,
  /** POST octet-stream: "available for local backups only". */
  upload: (serverId: number) => `${NPM_V2_API}/backups/server/${serverId}/upload`,
  /** No authentication needed; gives sw_version (as on npm.backup 1.0 devices). */
  info: '/api/common/1.0/info',
} as const;
