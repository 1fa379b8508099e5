/**
 * The archive's key layout (DESIGN.md, "Archive layout"):
 *   <prefix><deviceId>/<YYYY>/<MM>/<DD>/<YYYYMMDDTHHMMSSZ>-<runId>.<ext>
 * and beside each object its manifest, `<object key>.manifest.json`. Times are UTC, to the second.
 * The date folders let a listing narrow to a device and a period; the stamp makes keys of one
 * device sort by time.
 */

export interface ArchiveKeyParts {
  deviceId: string;
  /** When the backup was taken (UTC); milliseconds are dropped in the key. */
  time: Date;
  runId: string;
  /** Without the leading dot, e.g. `tar.gz`. */
  extension: string;
}

/** Suffix that turns an object key into its manifest's key. */
export const MANIFEST_SUFFIX = '.manifest.json';

const DEVICE_ID = /^[a-z0-9-]{1,40}$/;
// No dots in run ids: the first dot after the stamp is where the extension starts.
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;
const EXTENSION = /^[A-Za-z0-9]{1,16}(\.[A-Za-z0-9]{1,16}){0,3}$/;
const PREFIX = /^([^/]+\/)*$/;
const KEY_BODY =
  /^([a-z0-9-]{1,40})\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([A-Za-z0-9_-]{1,80})\.([A-Za-z0-9]{1,16}(?:\.[A-Za-z0-9]{1,16}){0,3})$/;

/** The object key for one backup. Throws RangeError when a part would make a key that cannot be parsed back. */
export function archiveKey(parts: ArchiveKeyParts & { prefix: string }): string {
  const { prefix, deviceId, time, runId, extension } = parts;
  if (!PREFIX.test(prefix)) throw new RangeError(`archive prefix "${prefix}" must be empty or end with "/", e.g. backups/`);
  if (!DEVICE_ID.test(deviceId)) throw new RangeError(`device id "${deviceId}" must be 1-40 characters of a-z, 0-9 and "-"`);
  if (!RUN_ID.test(runId)) throw new RangeError(`run id "${runId}" must be 1-80 characters of A-Z, a-z, 0-9, "_" and "-"`);
  if (!EXTENSION.test(extension) || `.${extension}`.endsWith(MANIFEST_SUFFIX)) {
    throw new RangeError(`extension "${extension}" must be letters and digits in up to 4 dot-separated parts, without a leading dot, e.g. tar.gz`);
  }
  if (Number.isNaN(time.getTime())) throw new RangeError('the backup time is not a valid date');
  const iso = time.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ, always UTC
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  if (!/^\d{4}$/.test(yyyy)) throw new RangeError(`the backup time ${iso} is outside years 0000-9999`);
  const stamp = `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${prefix}${deviceId}/${yyyy}/${mm}/${dd}/${stamp}-${runId}.${extension}`;
}

/** Where all of one device's objects live: a listing prefix. */
export function deviceKeyPrefix(prefix: string, deviceId: string): string {
  return `${prefix}${deviceId}/`;
}

/** The manifest's key for an object key. */
export function manifestKeyFor(objectKey: string): string {
  return `${objectKey}${MANIFEST_SUFFIX}`;
}

export function isManifestKey(key: string): boolean {
  return key.endsWith(MANIFEST_SUFFIX);
}

/** The object key a manifest key belongs to; undefined when `key` is not a manifest key. */
export function objectKeyForManifest(key: string): string | undefined {
  return isManifestKey(key) ? key.slice(0, -MANIFEST_SUFFIX.length) : undefined;
}

/**
 * The parts of an object key made by `archiveKey` under `prefix`; undefined for any other key
 * (foreign objects, manifests, keys whose date folders disagree with their stamp).
 */
export function parseArchiveKey(key: string, prefix: string): ArchiveKeyParts | undefined {
  if (!key.startsWith(prefix) || isManifestKey(key)) return undefined;
  const match = KEY_BODY.exec(key.slice(prefix.length));
  if (!match) return undefined;
  // Every group of KEY_BODY takes part in a match, so none of these is ever the fallback.
  const [deviceId, folderYear, folderMonth, folderDay, year, month, day, hour, minute, second, runId, extension] = match
    .slice(1)
    .map((group) => group ?? '');
  if (folderYear !== year || folderMonth !== month || folderDay !== day) return undefined;
  const wallClock = `${year}-${month}-${day}T${hour}:${minute}:${second}`;
  const time = new Date(`${wallClock}Z`);
  // Date rolls 2026-02-30 over into March; the round trip refuses it.
  if (Number.isNaN(time.getTime()) || time.toISOString().slice(0, 19) !== wallClock) return undefined;
  return { deviceId: deviceId!, time, runId: runId!, extension: extension! };
}
