import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';

/**
 * Storware's answers, as far as the runner reads them. Enums come as {"name","description"}
 * (seed 004's examples); a plain string is accepted too. Unknown fields are kept (loose): the
 * backup record is archived as the server sent it.
 */
/**
 * An enum as requests send it: an EnumNameAndDescription object with just the name
 * (`{"name": "FULL"}`), never the bare string, which Storware refuses (seed 004 shows every enum
 * as {name, description}; Storware's own web UI, ovirt-engine-ui-vprotect-extensions, posts them so).
 */
export function storwareEnum(name: string): { name: string } {
  return { name };
}

const enumValue = z.union([z.string().min(1), z.looseObject({ name: z.string().min(1), description: z.string().nullish() })]).transform((v) => (typeof v === 'string' ? v : v.name));
const reference = z.looseObject({ guid: z.string().min(1), name: z.string().nullish() });

const taskSchema = z
  .looseObject({
    guid: z.string().min(1),
    type: enumValue.nullish(),
    // Storware names the task's state `state`; `status` is accepted for versions that differ.
    state: enumValue.optional(),
    status: enumValue.optional(),
    progress: z.number().nullish(),
    statusInfo: z.string().nullish(),
    protectedEntity: reference.nullish(),
    backup: reference.nullish(),
  })
  .transform((task) => ({ ...task, stateName: (task.state ?? task.status)?.toUpperCase(), typeName: task.type?.toUpperCase() }));

export type StorwareTask = z.output<typeof taskSchema>;

const warning = z.union([z.string(), z.looseObject({ value: z.string().nullish(), message: z.string().nullish(), description: z.string().nullish() })]);

const backupSchema = z
  .looseObject({
    guid: z.string().min(1),
    status: enumValue,
    type: enumValue.nullish(),
    snapshotTime: z.number().nullish(),
    backupTime: z.number().nullish(),
    size: z.number().nullish(),
    statusInfo: z.string().nullish(),
    warnings: z.array(warning).nullish(),
    protectedEntity: reference.nullish(),
  })
  .transform((backup) => ({ ...backup, statusName: backup.status.toUpperCase() }));

export type StorwareBackup = z.output<typeof backupSchema>;

function parseWith<T extends z.ZodType>(schema: T, value: unknown, deviceId: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new DeviceProtocolError(`${what} is not what the Storware API describes: ${problems}`, { deviceId });
}

export function parseTask(value: unknown, deviceId: string, what: string): StorwareTask {
  return parseWith(taskSchema, value, deviceId, what);
}

/** The export endpoint answers one task or a list of them (one per entity); we send one entity per call. */
export function parseCreatedTask(value: unknown, deviceId: string, what: string): StorwareTask {
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== 1) throw new DeviceProtocolError(`${what} lists ${list.length} tasks; one export task per protected entity was expected`, { deviceId });
  return parseTask(list[0], deviceId, what);
}

export function parseBackupRecord(value: unknown, deviceId: string, what: string): StorwareBackup {
  return parseWith(backupSchema, value, deviceId, what);
}

export function parseBackupList(value: unknown, deviceId: string, what: string): StorwareBackup[] {
  return parseWith(z.array(backupSchema), value, deviceId, what);
}

export function parseTaskList(value: unknown, deviceId: string, what: string): StorwareTask[] {
  return parseWith(z.array(taskSchema), value, deviceId, what);
}

/** The warnings of a backup record as text, for failure reasons. */
export function warningsText(backup: StorwareBackup): string[] {
  return (backup.warnings ?? [])
    .map((w) => (typeof w === 'string' ? w : (w.value ?? w.message ?? w.description ?? '')))
    .filter((w) => w !== '');
}
