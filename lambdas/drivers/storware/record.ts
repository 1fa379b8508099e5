import { z } from 'zod';
import { DeviceProtocolError } from '../../common/errors';

/**
 * What the archive keeps for a Storware run. Storware stores the data in its own destinations
 * and offers no whole-backup download, so the archived object is one JSON document listing,
 * per protected entity, the export task and the backup record exactly as Storware returned it.
 * The archive then tells which Storware backups exist for the device and when; a restore reads
 * the backup guids back from it.
 */
export const STORWARE_RECORD_FORMAT = 'backup-runner/storware-backup-records@1';

export interface StorwareRecordEntry {
  protectedEntity: string;
  exportTask: string;
  /** The backup record (GET /api/backups/{guid}) as Storware sent it. */
  backup: Record<string, unknown> & { guid: string };
}

export interface StorwareRecordDocument {
  format: typeof STORWARE_RECORD_FORMAT;
  device: { id: string; url: string };
  backupType: string;
  recordedAt: string;
  entities: StorwareRecordEntry[];
}

/** The document's bytes: stable key order, one trailing newline. */
export function serializeRecordDocument(document: StorwareRecordDocument): Buffer {
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8');
}

const documentSchema = z.looseObject({
  format: z.literal(STORWARE_RECORD_FORMAT),
  entities: z
    .array(z.looseObject({ protectedEntity: z.string().min(1), exportTask: z.string().min(1), backup: z.looseObject({ guid: z.string().min(1) }) }))
    .min(1),
});

/** The (entity, backup guid) pairs of an archived document; DeviceProtocolError when it is not such a document. */
export function backupsInRecordDocument(text: string, deviceId: string): Array<{ entity: string; backup: string }> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeviceProtocolError(`the archived Storware record is not JSON; it cannot name the backups to restore`, { deviceId });
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeviceProtocolError(
      `the archived object is not a Storware backup record document (${STORWARE_RECORD_FORMAT}): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { deviceId },
    );
  }
  return parsed.data.entities.map((e) => ({ entity: e.protectedEntity, backup: e.backup.guid }));
}
