import { posix } from 'node:path';
import { DeviceProtocolError } from '../../common/errors';
import { isInside } from '../../transfer/sftp';

/**
 * Where the gateway's `subdir` is on the landing host. The seed's example is relative
 * ("path/to/store/backup/directory/backup_name", the `path` we sent plus a name); with the
 * absolute path we send, it is absolute. Either way it must lie inside the landing path: the
 * runner never archives, nor removes, anything outside it. Pure.
 */
export function resolveSubdir(landingPath: string, subdir: string, deviceId: string): string {
  const root = posix.normalize(landingPath).replace(/\/+$/, '') || '/';
  const trimmed = subdir.trim();
  let resolved: string;
  if (trimmed.startsWith('/')) resolved = posix.normalize(trimmed);
  else if (`/${trimmed}`.startsWith(`${root}/`)) resolved = posix.normalize(`/${trimmed}`);
  else resolved = posix.join(root, posix.basename(trimmed));
  if (!isInside(root, resolved) || resolved === root) {
    throw new DeviceProtocolError(`the gateway reports backup directory "${subdir}", which is not inside the landing path ${root}; refusing to touch it`, {
      deviceId,
    });
  }
  return resolved;
}
