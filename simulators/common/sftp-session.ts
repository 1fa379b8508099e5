import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, readdir, readlink, rename, rmdir, stat, symlink, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { canonicalRemotePath, PathEscapeError, resolveInside } from './sftp-chroot';

// Default export: see sftp-server.ts on ssh2 under Node's ESM loader.
const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

/** Most bytes one READ answers: more than ssh2's client asks for (about 32 KiB), less than a packet's limit. */
const MAX_READ = 256 * 1024;
/** Directory entries per READDIR answer, as OpenSSH batches them. */
const NAMES_PER_READDIR = 100;

type OpenThing = { kind: 'file'; file: FileHandle; path: string } | { kind: 'dir'; path: string; entries: FileEntry[] };

/**
 * Faults of file reads, for a landing host or console that fails mid-transfer. The object is live:
 * tests change it between steps. Offsets count within each file read.
 */
export interface SftpReadFaults {
  /** A read at or past this offset of a file drops the SSH connection: the client sees it go mid-file. */
  resetAtOffset?: number;
  /** Reads at or past this offset answer EOF: the file reads shorter than its size says. */
  eofAtOffset?: number;
  /** Reads are answered at about this many bytes a second, per session. */
  bytesPerSecond?: number;
}

export interface SftpSessionOptions {
  faults?: SftpReadFaults;
  /** Drops the session's SSH connection (the reset fault). */
  drop?: () => void;
}

/**
 * Serves one SFTP (version 3) session over `realRoot` with this machine's files: the requests
 * the runner's SFTP source makes (open/read/write/close/fstat/fsetstat, stat/lstat/setstat,
 * opendir/readdir, mkdir/rmdir/remove/rename, realpath/readlink/symlink). Errors are answered
 * with the SFTP status codes OpenSSH uses (no such file, permission denied, failure), so the
 * client's error mapping sees what it would see against sshd. `note` records refusals.
 */
export function serveSftpSession(sftp: SFTPWrapper, realRoot: string, note: (line: string) => void, options: SftpSessionOptions = {}): void {
  const open_ = new Map<number, OpenThing>();
  let nextHandle = 1;
  const faults = options.faults ?? {};
  const pace = { startedAt: Date.now(), served: 0 };

  const handleOf = (thing: OpenThing): Buffer => {
    const id = nextHandle++;
    open_.set(id, thing);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const lookup = (handle: Buffer): OpenThing | undefined => (handle.length === 4 ? open_.get(handle.readUInt32BE()) : undefined);

  /** Runs one request; any thrown error becomes the matching SFTP status. */
  const answer = (reqId: number, what: string, work: () => Promise<void>): void => {
    work().catch((error: unknown) => {
      const { code, message } = statusFor(error);
      if (error instanceof PathEscapeError) note(`refused ${what}: ${message}`);
      sftp.status(reqId, code, message);
    });
  };
  const inside = (path: string, follow: boolean) => resolveInside(realRoot, path, follow);
  const ok = (reqId: number) => sftp.status(reqId, STATUS_CODE.OK);

  sftp.on('OPEN', (reqId, filename, flags, attrs) =>
    answer(reqId, `open ${filename}`, async () => {
      const local = await inside(filename, true);
      const file = await open(local, fsFlags(flags), attrs.mode === undefined ? 0o644 : attrs.mode & 0o7777);
      sftp.handle(reqId, handleOf({ kind: 'file', file, path: local }));
    }),
  );

  sftp.on('READ', (reqId, handle, offset, length) =>
    answer(reqId, 'read', async () => {
      const thing = fileOf(lookup(handle));
      if (faults.resetAtOffset !== undefined && offset >= faults.resetAtOffset) {
        note(`dropped the connection at byte ${offset} of ${thing.path} (faults.resetAtOffset)`);
        options.drop?.();
        return;
      }
      const stopAt = Math.min(faults.resetAtOffset ?? Infinity, faults.eofAtOffset ?? Infinity);
      if (offset >= stopAt) return void sftp.status(reqId, STATUS_CODE.EOF);
      const buffer = Buffer.allocUnsafe(Math.min(length, MAX_READ, stopAt - offset));
      const { bytesRead } = await thing.file.read(buffer, 0, buffer.length, offset);
      if (faults.bytesPerSecond) {
        pace.served += bytesRead;
        const due = pace.startedAt + (pace.served / faults.bytesPerSecond) * 1000 - Date.now();
        if (due > 0) await sleep(due);
      }
      if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, buffer.subarray(0, bytesRead));
    }),
  );

  sftp.on('WRITE', (reqId, handle, offset, data) =>
    answer(reqId, 'write', async () => {
      const thing = fileOf(lookup(handle));
      await thing.file.write(data, 0, data.length, offset);
      ok(reqId);
    }),
  );

  sftp.on('FSTAT', (reqId, handle) =>
    answer(reqId, 'fstat', async () => {
      sftp.attrs(reqId, attributesOf(await fileOf(lookup(handle)).file.stat()));
    }),
  );

  sftp.on('FSETSTAT', (reqId, handle, attrs) =>
    answer(reqId, 'fsetstat', async () => {
      await applyAttributes(fileOf(lookup(handle)).path, attrs);
      ok(reqId);
    }),
  );

  sftp.on('CLOSE', (reqId, handle) =>
    answer(reqId, 'close', async () => {
      const thing = lookup(handle);
      if (!thing) throw new SftpStatus(STATUS_CODE.FAILURE, 'invalid handle');
      open_.delete(handle.readUInt32BE());
      if (thing.kind === 'file') await thing.file.close();
      ok(reqId);
    }),
  );

  sftp.on('OPENDIR', (reqId, path) =>
    answer(reqId, `opendir ${path}`, async () => {
      const local = await inside(path, true);
      const self = await stat(local);
      if (!self.isDirectory()) throw new SftpStatus(STATUS_CODE.FAILURE, `${path} is not a directory`);
      // OpenSSH lists "." and ".." too; the parent of the root is the root itself (as in a chroot).
      const parentLocal = canonicalRemotePath(path) === '/' ? local : await inside(`${path}/..`, true);
      const entries: FileEntry[] = [entryFor('.', self), entryFor('..', await stat(parentLocal))];
      for (const name of (await readdir(local)).sort()) {
        const attrs = await lstat(`${local}/${name}`).catch(() => undefined);
        if (attrs) entries.push(entryFor(name, attrs));
      }
      sftp.handle(reqId, handleOf({ kind: 'dir', path: local, entries }));
    }),
  );

  sftp.on('READDIR', (reqId, handle) =>
    answer(reqId, 'readdir', async () => {
      const thing = lookup(handle);
      if (!thing || thing.kind !== 'dir') throw new SftpStatus(STATUS_CODE.FAILURE, 'invalid directory handle');
      if (thing.entries.length === 0) {
        sftp.status(reqId, STATUS_CODE.EOF);
        return;
      }
      sftp.name(reqId, thing.entries.splice(0, NAMES_PER_READDIR));
    }),
  );

  sftp.on('STAT', (reqId, path) =>
    answer(reqId, `stat ${path}`, async () => {
      sftp.attrs(reqId, attributesOf(await stat(await inside(path, true))));
    }),
  );

  sftp.on('LSTAT', (reqId, path) =>
    answer(reqId, `lstat ${path}`, async () => {
      sftp.attrs(reqId, attributesOf(await lstat(await inside(path, false))));
    }),
  );

  sftp.on('SETSTAT', (reqId, path, attrs) =>
    answer(reqId, `setstat ${path}`, async () => {
      await applyAttributes(await inside(path, true), attrs);
      ok(reqId);
    }),
  );

  sftp.on('MKDIR', (reqId, path, attrs) =>
    answer(reqId, `mkdir ${path}`, async () => {
      await mkdir(await inside(path, false), attrs.mode === undefined ? 0o755 : attrs.mode & 0o7777);
      ok(reqId);
    }),
  );

  sftp.on('RMDIR', (reqId, path) =>
    answer(reqId, `rmdir ${path}`, async () => {
      const local = await inside(path, false);
      if (local === realRoot) throw new SftpStatus(STATUS_CODE.PERMISSION_DENIED, 'the served directory itself cannot be removed');
      await rmdir(local);
      ok(reqId);
    }),
  );

  sftp.on('REMOVE', (reqId, path) =>
    answer(reqId, `remove ${path}`, async () => {
      await unlink(await inside(path, false));
      ok(reqId);
    }),
  );

  sftp.on('RENAME', (reqId, from, to) =>
    answer(reqId, `rename ${from} to ${to}`, async () => {
      const [source, target] = await Promise.all([inside(from, false), inside(to, false)]);
      // SFTP v3 as OpenSSH serves it: renaming onto an existing name fails (posix-rename is an extension).
      if (await lstat(target).then(() => true, () => false)) throw new SftpStatus(STATUS_CODE.FAILURE, `${to} already exists`);
      await rename(source, target);
      ok(reqId);
    }),
  );

  sftp.on('REALPATH', (reqId, path) =>
    answer(reqId, `realpath ${path}`, async () => {
      const canonical = canonicalRemotePath(path);
      if (canonical === undefined) throw new PathEscapeError(path, 'climbs above the served directory');
      sftp.name(reqId, [{ filename: canonical, longname: canonical, attrs: {} as Attributes }]);
    }),
  );

  sftp.on('READLINK', (reqId, path) =>
    answer(reqId, `readlink ${path}`, async () => {
      const target = await readlink(await inside(path, false));
      sftp.name(reqId, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );

  // ssh2 emits (linkPath, targetPath) in the order the packet carries them for a non-OpenSSH
  // client (its own source; @types/ssh2 names them the other way round). The link's text is
  // stored as given: where it points is checked whenever something follows it.
  sftp.on('SYMLINK', (reqId, linkPath: string, targetPath: string) =>
    answer(reqId, `symlink ${linkPath}`, async () => {
      await symlink(targetPath, await inside(linkPath, false));
      ok(reqId);
    }),
  );

  const closeAll = () => {
    for (const thing of open_.values()) if (thing.kind === 'file') void thing.file.close().catch(() => undefined);
    open_.clear();
  };
  sftp.on('close', closeAll);
  sftp.on('end', closeAll);
}

/** An SFTP status to answer with, thrown by a handler. */
class SftpStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fileOf(thing: OpenThing | undefined): Extract<OpenThing, { kind: 'file' }> {
  if (!thing || thing.kind !== 'file') throw new SftpStatus(STATUS_CODE.FAILURE, 'invalid file handle');
  return thing;
}

/** The SFTP status code and message for an error, as OpenSSH's sftp-server maps errno. Pure. */
export function statusFor(error: unknown): { code: number; message: string } {
  if (error instanceof SftpStatus) return { code: error.status, message: error.message };
  if (error instanceof PathEscapeError) return { code: STATUS_CODE.PERMISSION_DENIED, message: error.message };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { code: STATUS_CODE.NO_SUCH_FILE, message: 'No such file' };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return { code: STATUS_CODE.PERMISSION_DENIED, message: 'Permission denied' };
  return { code: STATUS_CODE.FAILURE, message: error instanceof Error ? error.message : String(error) };
}

/** SFTP open flags (pflags) to Node's numeric open flags. Pure. */
export function fsFlags(pflags: number): number {
  const read = (pflags & OPEN_MODE.READ) !== 0;
  const write = (pflags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (pflags & OPEN_MODE.APPEND) flags |= constants.O_APPEND;
  if (pflags & OPEN_MODE.CREAT) flags |= constants.O_CREAT;
  if (pflags & OPEN_MODE.TRUNC) flags |= constants.O_TRUNC;
  if (pflags & OPEN_MODE.EXCL) flags |= constants.O_EXCL;
  return flags;
}

/** A file's attributes as SFTP v3 carries them (whole seconds). Pure. */
export function attributesOf(s: Stats): Attributes {
  return { mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
}

function entryFor(name: string, s: Stats): FileEntry {
  return { filename: name, longname: longname(name, s), attrs: attributesOf(s) };
}

/** An `ls -l` line, which SFTP v3 clients may show; nothing parses it. Pure. */
function longname(name: string, s: Stats): string {
  const type = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (s.mode & (0o400 >> i) ? c : '-')).join('');
  const when = new Date(s.mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
  return `${type}${bits} 1 ${s.uid} ${s.gid} ${String(s.size).padStart(8)} ${when} ${name}`;
}

async function applyAttributes(local: string, attrs: Partial<Attributes>): Promise<void> {
  if (attrs.mode !== undefined) await chmod(local, attrs.mode & 0o7777);
  if (attrs.uid !== undefined && attrs.gid !== undefined) {
    const now = await stat(local);
    // Asking for the owner it already has is a no-op (and needs no privilege), as with chown(2).
    if (now.uid !== attrs.uid || now.gid !== attrs.gid) await chown(local, attrs.uid, attrs.gid);
  }
  if (attrs.atime !== undefined && attrs.mtime !== undefined) await utimes(local, attrs.atime, attrs.mtime);
}
