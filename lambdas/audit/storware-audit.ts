import type { DeviceHttpClient } from '../common/http';
import type { Log } from '../common/log';
import type { StorwareDeviceConfig } from '../config/schema';
import { parseStorwareCredentials, StorwareClient, StorwareSession } from '../drivers/storware';
import type { StorwareBackup } from '../drivers/storware/responses';
import { auditCutoff, judgeEntities, type AuditBackupFact, type AuditReport } from './stale-entities';

/**
 * Asks a Storware server, per configured protected entity, for SUCCESS backups since the cutoff
 * (`GET /api/backups?protected-entity=..&status=SUCCESS&from=..`); for an entity with none, asks
 * once more without `from` to say when its last SUCCESS was. The verdict is judgeEntities'.
 */
export async function auditStorware(options: {
  device: StorwareDeviceConfig;
  secret: unknown;
  http: DeviceHttpClient;
  log: Log;
  now: Date;
  maxAgeHours: number;
}): Promise<AuditReport> {
  const { device, http, log, now, maxAgeHours } = options;
  const session = new StorwareSession({
    deviceId: device.id,
    secretName: device.secret,
    credentials: parseStorwareCredentials(options.secret, device.secret, device.id),
    http,
    log,
  });
  const client = new StorwareClient(session, device.id, log);
  const from = auditCutoff(now, maxAgeHours).getTime();
  const entities = [];
  for (const guid of device.protectedEntities) {
    let backups = await client.listBackups({ protectedEntity: guid, status: ['SUCCESS'], from });
    const recent = judgeEntities({ now, maxAgeHours, entities: [{ guid, backups: backups.map(fact) }] });
    if (recent.stale.length) backups = [...backups, ...(await client.listBackups({ protectedEntity: guid, status: ['SUCCESS'] }))];
    const name = backups.find((b) => b.protectedEntity?.guid === guid && b.protectedEntity.name)?.protectedEntity?.name ?? undefined;
    entities.push({ guid, ...(name ? { name } : {}), backups: backups.map(fact) });
  }
  return judgeEntities({ now, maxAgeHours, entities });
}

function fact(backup: StorwareBackup): AuditBackupFact {
  const time = backup.backupTime ?? backup.snapshotTime ?? undefined;
  return {
    guid: backup.guid,
    status: backup.statusName,
    ...(backup.protectedEntity?.guid ? { entity: backup.protectedEntity.guid } : {}),
    ...(typeof time === 'number' ? { time } : {}),
  };
}
