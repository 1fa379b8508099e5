import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';

/**
 * GET /backup and GET /restore as seed 002 gives them. Every field is optional in practice
 * (a gateway that never ran a backup has no last_successful); timeStamp is a string in the
 * schema and a number in the example, so both are read.
 */
const timeStamp = z.union([z.string(), z.number()]).nullish();

const runningSchema = z.looseObject({
  host: z.string().nullish(),
  username: z.string().nullish(),
  message: z.string().nullish(),
  path: z.string().nullish(),
  subdir: z.string().nullish(),
  timeStamp,
  status: z.string().nullish(),
});

const lastSuccessfulSchema = z.looseObject({
  host: z.string().nullish(),
  message: z.string().nullish(),
  path: z.string().nullish(),
  subdir: z.string().nullish(),
  timeStamp,
});

const backupStatusSchema = z.array(z.looseObject({ last_successful: lastSuccessfulSchema.nullish(), running: runningSchema.nullish() }));

export type FgRunning = z.output<typeof runningSchema>;
export type FgLastSuccessful = z.output<typeof lastSuccessfulSchema>;
export interface FgBackupStatus {
  running: FgRunning | undefined;
  lastSuccessful: FgLastSuccessful | undefined;
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, deviceId: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the mgmt.gateway_backup 1.0 API describes: ${problems}`, { deviceId });
}

export function parseBackupStatus(value: unknown, deviceId: string, what: string): FgBackupStatus {
  const [first] = parseWith(backupStatusSchema, value, deviceId, what);
  return { running: first?.running ?? undefined, lastSuccessful: first?.last_successful ?? undefined };
}

export function parseRestoreStatus(value: unknown, deviceId: string, what: string): FgRunning {
  return parseWith(runningSchema, value, deviceId, what);
}

export type FgState = 'none' | 'executing' | 'error' | 'completed';

/** The seed's NONE / EXECUTING / ERROR / COMPLETED, compared case-insensitively (devices differ). */
export function stateOf(status: string | null | undefined, deviceId: string, what: string): FgState {
  const value = (status ?? 'NONE').trim().toLowerCase();
  if (value === 'none' || value === 'executing' || value === 'error' || value === 'completed') return value;
  throw new DeviceProtocolError(`${what} has unknown status "${status}" (expected NONE, EXECUTING, ERROR or COMPLETED)`, { deviceId });
}
