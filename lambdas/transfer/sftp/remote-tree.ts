import { posix } from 'node:path';
import { DeviceOperationFailed } from '../../common/errors';
import type { Log } from '../../common/log';
import type { SftpSession } from './session';
import type { TarEntryFacts } from './tar-layout';

/** One thing in a remote directory tree, with what the tar header needs. */
export interface RemoteEntry extends TarEntryFacts {
  /** Absolute path on the SSH host. */
  remotePath: string;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
}

/**
 * Lists `root` and everything below it, depth first, names sorted (so two runs over the same
 * tree give the same tar). Archive names start with the root's own name (`20260227_1546/...`),
 * so unpacking recreates the directory. Symbolic links are kept as links, never followed;
 * sockets, pipes and devices are skipped with a warning (a backup has none).
 */
export async function listRemoteTree(session: SftpSession, root: string, log: Log): Promise<RemoteEntry[]> {
  const top = await session.lstat(root);
  if (!top.isDirectory()) {
    throw new DeviceOperationFailed(`${root} on the ${session.target.what} ${session.target.host} is not a directory`, { deviceId: session.target.deviceId });
  }
  const base = posix.basename(posix.normalize(root));
  const entries: RemoteEntry[] = [];
  const visit = async (remotePath: string, name: string, attrs: Awaited<ReturnType<SftpSession['lstat']>>): Promise<void> => {
    const common = { remotePath, name, mode: attrs.mode & 0o7777, mtime: attrs.mtime, uid: attrs.uid, gid: attrs.gid };
    if (attrs.isDirectory()) {
      entries.push({ ...common, type: 'directory', size: 0 });
      const children = (await session.readdir(remotePath)).filter((c) => c.filename !== '.' && c.filename !== '..');
      children.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
      for (const child of children) {
        // readdir's attrs come from lstat on OpenSSH; links are not followed.
        await visit(posix.join(remotePath, child.filename), `${name}/${child.filename}`, child.attrs);
      }
    } else if (attrs.isSymbolicLink()) {
      entries.push({ ...common, type: 'symlink', size: 0, linkname: await session.readlink(remotePath) });
    } else if (attrs.isFile()) {
      entries.push({ ...common, type: 'file', size: attrs.size });
    } else {
      log.warn('skipping a special file in the backup directory', { device: session.target.deviceId, path: remotePath });
    }
  };
  await visit(posix.normalize(root), base, top);
  return entries;
}

/** Removes `root` and everything in it (files and links first, then directories, deepest first). */
export async function removeRemoteTree(session: SftpSession, root: string, log: Log): Promise<number> {
  const entries = await listRemoteTree(session, root, log);
  for (const entry of entries.filter((e) => e.type !== 'directory')) await session.unlink(entry.remotePath);
  const directories = entries.filter((e) => e.type === 'directory').reverse();
  for (const directory of directories) await session.rmdir(directory.remotePath);
  return entries.length;
}

/** True when `path` is `root` or below it (after normalising): nothing outside the landing path is ever removed. */
export function isInside(root: string, path: string): boolean {
  const r = posix.normalize(root).replace(/\/+$/, '');
  const p = posix.normalize(path).replace(/\/+$/, '');
  return p === r || p.startsWith(`${r}/`);
}
