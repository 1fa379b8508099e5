import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, isAbsolute, sep } from 'node:path';

/**
 * Confinement of the in-process SFTP server to one directory tree, as OpenSSH's
 * `ChrootDirectory` would confine it: the client sees the tree as `/`, and nothing it names may
 * resolve outside. Two layers: the path itself (`..` past `/` is refused, not clamped, so a
 * crafted path is an error the test can see) and, on the disk, symbolic links (a link may point
 * anywhere, but the server never follows one out of the tree).
 */

/** A refused path: the SFTP layer answers PERMISSION_DENIED with this message. */
export class PathEscapeError extends Error {
  readonly code = 'EACCES';

  constructor(remotePath: string, why: string) {
    super(`${JSON.stringify(remotePath)} ${why}`);
    this.name = 'PathEscapeError';
  }
}

/**
 * The path segments below the served root that a client path names (relative paths start at
 * `/`, the session's home), or undefined when `..` climbs above the root. Pure.
 */
export function confinedSegments(remotePath: string): string[] | undefined {
  const segments: string[] = [];
  for (const part of remotePath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  return segments;
}

/** The canonical client-side form of a path ("/" + segments), as REALPATH answers it. Pure. */
export function canonicalRemotePath(remotePath: string): string | undefined {
  const segments = confinedSegments(remotePath);
  return segments && `/${segments.join('/')}`;
}

/** True when `path` is `root` or below it (both absolute, already resolved). Pure. */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Maps a client path to a path on this machine, refusing any that leaves `realRoot` (which must
 * itself be resolved with realpath). `follow` says whether the operation follows a final
 * symbolic link (open, stat, opendir) or acts on the link itself (lstat, readlink, remove,
 * rename, creating a name): then only the parent directory has to resolve inside.
 */
export async function resolveInside(realRoot: string, remotePath: string, follow: boolean): Promise<string> {
  const segments = confinedSegments(remotePath);
  if (!segments) throw new PathEscapeError(remotePath, 'climbs above the served directory');
  const local = join(realRoot, ...segments);
  if (segments.length === 0) return realRoot;
  if (follow) {
    const resolved = await realpath(local).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      // Missing, or a dangling link: a create through a dangling link would land wherever it points.
      const link = await lstat(local).catch(() => undefined);
      if (link?.isSymbolicLink()) throw new PathEscapeError(remotePath, 'is a dangling symbolic link');
      return undefined;
    });
    if (resolved !== undefined) {
      if (!isWithin(realRoot, resolved)) throw new PathEscapeError(remotePath, 'resolves outside the served directory (symbolic link)');
      return resolved;
    }
  }
  // The name itself is not followed (or does not exist yet): its directory must be inside.
  const parent = await realpath(dirname(local));
  if (!isWithin(realRoot, parent)) throw new PathEscapeError(remotePath, 'lies in a directory outside the served directory (symbolic link)');
  return join(parent, basename(local));
}
