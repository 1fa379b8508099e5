/** IBM QRadar / Juniper JSA backup_and_restore (seed 003, device-apis.md). */
const API = '/api/backup_and_restore';

export const qradarPaths = {
  /** Where the deployed backup configuration's id comes from (seed 003: "api/config/backup_and_restore/scheduled_backup_configurations"). */
  configurations: '/api/config/backup_and_restore/scheduled_backup_configurations',
  backups: `${API}/backups`,
  backup: (id: string | number) => `${API}/backups/${encodeURIComponent(String(id))}`,
  restores: `${API}/restores`,
  restore: (id: string | number) => `${API}/restores/${encodeURIComponent(String(id))}`,
} as const;

/** Pinned so a console upgrade cannot change the answers under the driver (device-apis.md). */
export const QRADAR_API_VERSION = '20.0';
