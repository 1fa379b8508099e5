import { PassThrough, pipeline, type Readable } from 'node:stream';
import { pack as createPack, type Pack } from 'tar-stream';
import { BackupRunnerError, IntegrityError } from '../../common/errors';
import type { Log } from '../../common/log';
import { guardStream, READ_CHUNK } from './read-file';
import { listRemoteTree, type RemoteEntry } from './remote-tree';
import type { SftpSession } from './session';
import { tarArchiveSize } from './tar-layout';

export interface RemoteDirectoryTar {
  body: Readable;
  /** Exact bytes of the tar (see tar-layout.ts), so the transfer's size check covers the directory. */
  size: number;
  entries: RemoteEntry[];
}

/**
 * A whole remote directory as one tar stream (ustar, pax for long names), files read one after
 * another over the same SFTP session. The size is exact: computed from the listing before the
 * first byte. A file that changes size between listing and reading fails the stream with an
 * IntegrityError naming the file, so a directory that is still being written is never archived
 * as good. The SSH session closes when the returned stream closes.
 */
export async function tarRemoteDirectory(session: SftpSession, root: string, options: { idleSeconds: number; log: Log }): Promise<RemoteDirectoryTar> {
  const entries = await listRemoteTree(session, root, options.log);
  const size = tarArchiveSize(entries);
  const pack = createPack();
  const out = new PassThrough();
  // Forwarded by hand, not piped: tar-stream (streamx) destroys a pipe's destination with its
  // bare "Size mismatch" when an entry fails, and the typed error from writeEntries must be the
  // one the consumer sees.
  pack.on('data', (chunk: unknown) => {
    if (!out.write(chunk)) pack.pause();
  });
  out.on('drain', () => pack.resume());
  pack.on('end', () => out.end());
  let writing = true;
  pack.on('error', (error) => {
    if (!writing) out.destroy(error);
  });
  out.on('close', () => {
    if (!pack.destroyed) pack.destroy();
    session.close();
  });
  writeEntries(pack, session, entries, options.idleSeconds).then(
    () => {
      writing = false;
      pack.finalize();
    },
    (error: unknown) => {
      writing = false;
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return { body: out, size, entries };
}

async function writeEntries(pack: Pack, session: SftpSession, entries: readonly RemoteEntry[], idleSeconds: number): Promise<void> {
  for (const entry of entries) {
    if (pack.destroyed) return;
    const header = { name: entry.name, mode: entry.mode, mtime: new Date(entry.mtime * 1000), uid: entry.uid, gid: entry.gid };
    if (entry.type === 'directory') {
      await addEmpty(pack, { ...header, name: `${entry.name}/`, type: 'directory' });
    } else if (entry.type === 'symlink') {
      await addEmpty(pack, { ...header, type: 'symlink', linkname: entry.linkname ?? '' });
    } else {
      await addFile(pack, session, entry, header, idleSeconds);
    }
  }
}

function addEmpty(pack: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}

async function addFile(pack: Pack, session: SftpSession, entry: RemoteEntry, header: Parameters<Pack['entry']>[0], idleSeconds: number): Promise<void> {
  const { deviceId } = session.target;
  const changed = (how: string) =>
    new IntegrityError(`${entry.remotePath} changed while it was archived (${how}); the directory is still being written or was modified; nothing was stored`, { deviceId });
  let written = 0;
  await new Promise<void>((resolve, reject) => {
    if (entry.size === 0) {
      pack.entry({ ...header, type: 'file', size: 0 }, Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
      return;
    }
    const sink = pack.entry({ ...header, type: 'file', size: entry.size }, () => undefined);
    // Read at most the listed size: bytes beyond it would corrupt the tar (tar-stream does not check).
    const source = session.sftp.createReadStream(entry.remotePath, { start: 0, end: entry.size - 1, highWaterMark: READ_CHUNK });
    const guarded = guardStream(session, source, entry.remotePath, idleSeconds, false);
    guarded.on('data', (chunk: Buffer) => {
      written += chunk.length;
    });
    pipeline(guarded, sink, (error) => {
      if (error instanceof BackupRunnerError) reject(error);
      else if (error) reject(written < entry.size ? changed(`${entry.size} bytes listed, only ${written} could be read`) : error);
      else resolve();
    });
  });
  // Grown files are read only up to the listed size: compare again so a growing file fails too.
  const after = await session.stat(entry.remotePath);
  if (after.size !== entry.size) throw changed(`${entry.size} bytes when listed, ${after.size} after reading`);
}
