import type { Manifest } from '../archive/manifest';
import type { ArchivedBackupFacts } from '../drivers/driver';

/** What a driver needs to know about an archived backup, from its manifest. */
export function factsFromManifest(manifest: Manifest): ArchivedBackupFacts {
  const { id: _id, type, ...device } = manifest.device;
  return {
    deviceType: type,
    device,
    size: manifest.object.size,
    sha256: manifest.object.sha256,
    contentType: manifest.object.contentType,
    details: manifest.backup.details,
  };
}

/**
 * The check made before any driver is asked, whatever `force` says: a backup goes back only onto
 * a device of the type that made it. Empty when the types agree.
 */
export function typeProblems(backup: { deviceId: string; deviceType: string }, target: { id: string; type: string }): string[] {
  if (backup.deviceType === target.type) return [];
  return [
    `the backup was made by ${backup.deviceId}, a ${backup.deviceType} device; ${target.id} is a ${target.type}: a backup is only restored onto a device of its own type (--force does not change this)`,
  ];
}
