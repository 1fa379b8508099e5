import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';

/** The npm.backup 2.0 resources of seed 001 the driver reads; unknown fields are kept out of the way (loose). */

const contentInfo = z.looseObject({
  config_only: z.boolean(),
  modules: z
    .array(z.looseObject({ module: z.string(), options: z.array(z.looseObject({ name: z.string().nullish(), value: z.string().nullish() })).nullish() }))
    .nullish(),
});
export type NpmV2Contents = z.output<typeof contentInfo>;

const serverSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  desc: z.string().nullish(),
  host: z.string(),
  port: z.number().int(),
  path: z.string(),
  user: z.string(),
  public_key: z.string().nullish(),
});
export type NpmV2Server = z.output<typeof serverSchema>;

const operationInfo = z.looseObject({
  operation_type: z.string(),
  start_time: z.number().nullish(),
  status: z.string().nullish(),
  status_message: z.string().nullish(),
  backup_id: z.string().nullish(),
  name: z.string().nullish(),
  server_name: z.string().nullish(),
});
export type NpmV2OperationInfo = z.output<typeof operationInfo>;

const deviceStatusSchema = z.looseObject({
  system_id: z.string().nullish(),
  current_operation: z
    .looseObject({
      info: operationInfo,
      progress: z.looseObject({ completed: z.number(), total: z.number(), status_message: z.string().nullish() }).nullish(),
    })
    .nullish(),
  latest_backup: operationInfo.nullish(),
  latest_restore: operationInfo.nullish(),
});
export type NpmV2DeviceStatus = z.output<typeof deviceStatusSchema>;

const completedBackupSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  desc: z.string().nullish(),
  server_id: z.number().int(),
  status: z.string(),
  hostname: z.string().nullish(),
  sw_version: z.string().nullish(),
  model: z.string().nullish(),
  serial: z.string().nullish(),
  created_on: z.number().nullish(),
  contents: contentInfo.nullish(),
  size: z.number().int().nonnegative().nullish(),
  sid: z.string().nullish(),
});
export type NpmV2CompletedBackup = z.output<typeof completedBackupSchema>;

function parseWith<T extends z.ZodType>(schema: T, value: unknown, deviceId: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the npm.backup 2.0 API describes: ${problems}`, { deviceId });
}

export const parseServers = (v: unknown, deviceId: string, what: string): NpmV2Server[] =>
  parseWith(z.looseObject({ items: z.array(serverSchema).nullish() }), v, deviceId, what).items ?? [];
export const parseServer = (v: unknown, deviceId: string, what: string): NpmV2Server => parseWith(serverSchema, v, deviceId, what);
export const parseDeviceStatus = (v: unknown, deviceId: string, what: string): NpmV2DeviceStatus => parseWith(deviceStatusSchema, v, deviceId, what);
export const parseOperationInfo = (v: unknown, deviceId: string, what: string): NpmV2OperationInfo => parseWith(operationInfo, v, deviceId, what);
export const parseCompletedBackup = (v: unknown, deviceId: string, what: string): NpmV2CompletedBackup => parseWith(completedBackupSchema, v, deviceId, what);
export const parseCompletedList = (v: unknown, deviceId: string, what: string): NpmV2CompletedBackup[] =>
  parseWith(z.looseObject({ completed: z.array(completedBackupSchema), server_id: z.number().int().nullish() }), v, deviceId, what).completed;
