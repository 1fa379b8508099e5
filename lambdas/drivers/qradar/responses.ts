import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';
import type { BackupProgress, RestoreProgress } from '../driver';

const id = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

/** The backup object of seed 003 (fields we use; others kept out of the way). */
const backupSchema = z.looseObject({
  id,
  name: z.string().nullish(),
  description: z.string().nullish(),
  type: z.string().nullish(),
  version: z.string().nullish(),
  status: z.string(),
  time_initiated: z.number().nullish(),
  time_completed: z.number().nullish(),
  size_on_disk: z.number().int().nonnegative().nullish(),
  content_file_path: z.string().nullish(),
  is_valid: z.boolean().nullish(),
  is_version_compatible: z.boolean().nullish(),
  host_id: z.number().nullish(),
});
export type QRadarBackup = z.output<typeof backupSchema>;

const restoreSchema = z.looseObject({ id, status: z.string(), backup_id: id.nullish(), message: z.string().nullish() });
export type QRadarRestore = z.output<typeof restoreSchema>;

const configurationSchema = z.looseObject({ id });

function parseWith<T extends z.ZodType>(schema: T, value: unknown, deviceId: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the backup_and_restore API describes: ${problems}`, { deviceId });
}

export const parseBackup = (v: unknown, deviceId: string, what: string) => parseWith(backupSchema, v, deviceId, what);
export const parseBackups = (v: unknown, deviceId: string, what: string) => parseWith(z.array(backupSchema), v, deviceId, what);
export const parseRestore = (v: unknown, deviceId: string, what: string) => parseWith(restoreSchema, v, deviceId, what);

/**
 * The configuration id to back up with: the console answers a list (one deployed configuration,
 * id 1 in practice) or, on some versions, the object itself.
 */
export function parseConfigurationId(value: unknown, deviceId: string, what: string): number {
  const list = Array.isArray(value) ? value : [value];
  const [first] = parseWith(z.array(configurationSchema), list, deviceId, what);
  if (!first) throw new DeviceProtocolError(`${what} lists no backup configuration; deploy one on the console first`, { deviceId });
  return first.id;
}

/** INITIALIZING / IN_PROGRESS run; SUCCESS (and valid) completes; FAILED, MISSING, CANCELLING, DELETING and invalid fail. */
export function backupProgressOf(backup: QRadarBackup, deviceId: string): BackupProgress {
  const status = backup.status.toUpperCase();
  switch (status) {
    case 'INITIALIZING':
    case 'IN_PROGRESS':
      return { state: 'running', detail: status };
    case 'SUCCESS':
      if (backup.is_valid === false) {
        return { state: 'failed', reason: `backup ${backup.id} (${backup.name ?? 'unnamed'}) finished but the console marks it invalid (is_valid: false): its manifest or properties are not in order` };
      }
      return { state: 'completed' };
    case 'FAILED':
      return { state: 'failed', reason: `backup ${backup.id} (${backup.name ?? 'unnamed'}) failed on the console` };
    case 'MISSING':
      return { state: 'failed', reason: `the file of backup ${backup.id} (${backup.name ?? 'unnamed'}) was moved or deleted on the console (MISSING)` };
    case 'CANCELLING':
    case 'DELETING':
      return { state: 'failed', reason: `backup ${backup.id} (${backup.name ?? 'unnamed'}) is being ${status === 'CANCELLING' ? 'cancelled' : 'deleted'} on the console` };
    default:
      throw new DeviceProtocolError(`backup ${backup.id} has unknown status "${backup.status}" (expected INITIALIZING, IN_PROGRESS, SUCCESS, FAILED, CANCELLING, DELETING or MISSING)`, { deviceId });
  }
}

/** PENDING, REQUESTING, INITIALIZING, IN_PROGRESS run; SUCCESS completes; FAILED fails. */
export function restoreProgressOf(restore: QRadarRestore, deviceId: string): RestoreProgress {
  const status = restore.status.toUpperCase();
  if (['PENDING', 'REQUESTING', 'INITIALIZING', 'IN_PROGRESS'].includes(status)) return { state: 'running', detail: status };
  if (status === 'SUCCESS') return { state: 'completed', withErrors: false, ...(restore.message ? { detail: restore.message } : {}) };
  if (status === 'FAILED') return { state: 'failed', reason: `restore ${restore.id} failed on the console${restore.message ? `: ${restore.message}` : ''}` };
  throw new DeviceProtocolError(`restore ${restore.id} has unknown status "${restore.status}"`, { deviceId });
}
