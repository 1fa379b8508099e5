import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';
import type { BackupProgress } from '../driver';

/**
 * The seed's `backup` resource. Every field is optional there; `id` is what we cannot do
 * without. Unknown fields are kept out of the way (loose), wrong types are protocol errors.
 */
const backupSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  status: z.string().optional(),
  status_message: z.string().nullish(),
  description: z.string().nullish(),
  size: z.number().int().nonnegative().nullish(),
  backup_time: z.number().nullish(),
  hostname: z.string().nullish(),
  model: z.string().nullish(),
  serial: z.string().nullish(),
  sw_version: z.string().nullish(),
});

export type NpmBackup = z.output<typeof backupSchema>;

const backupListSchema = z.looseObject({ items: z.array(backupSchema).nullish() });

const tokenSchema = z.looseObject({ access_token: z.string().min(1) });

function parseWith<T extends z.ZodType>(schema: T, value: unknown, deviceId: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the npm.backup 1.0 API describes: ${problems}`, { deviceId });
}

export function parseBackup(value: unknown, deviceId: string, what: string): NpmBackup {
  return parseWith(backupSchema, value, deviceId, what);
}

export function parseBackupList(value: unknown, deviceId: string, what: string): NpmBackup[] {
  return parseWith(backupListSchema, value, deviceId, what).items ?? [];
}

export function parseAccessToken(value: unknown, deviceId: string, what: string): string {
  return parseWith(tokenSchema, value, deviceId, what).access_token;
}

/** started | uploading -> running, completed, failed (with the device's reason); anything else is not understood. */
export function progressOf(backup: NpmBackup, deviceId: string): BackupProgress {
  const status = backup.status?.toLowerCase();
  switch (status) {
    case 'started':
    case 'uploading':
      return { state: 'running', detail: status };
    case 'completed':
      return { state: 'completed', ...(backup.status_message ? { detail: backup.status_message } : {}) };
    case 'failed':
      return { state: 'failed', reason: `backup ${backup.id} failed on the device: ${backup.status_message || 'no status_message given'}` };
    default:
      throw new DeviceProtocolError(
        `backup ${backup.id} has ${status === undefined ? 'no status' : `unknown status "${backup.status}"`} (expected started, uploading, completed or failed)`,
        { deviceId },
      );
  }
}
