import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as createPack, type Pack } from 'tar-stream';

/** Size and SHA-256 of a tar, and the files in it (archive name -> SHA-256 of the content). */
export interface DirectoryTarDigest {
  size: number;
  sha256: string;
  files: Record<string, string>;
}

/**
 * The tar that the runner's SFTP source makes of a landed directory (tarRemoteDirectory in
 * lambdas/transfer/sftp), rebuilt here from this machine's files without SSH: the same entries
 * (the directory's own name first, depth first, names sorted, links kept as links), the same
 * header fields (mode, whole-second mtime, uid, gid) and tar-stream's layout. The demo compares
 * its digest with the archived object, so "same bytes" for a Flow Gateway is a claim about the
 * files the gateway wrote, not about the runner's own output.
 */
export async function digestOfDirectoryTar(directory: string): Promise<DirectoryTarDigest> {
  const pack = createPack();
  const hash = createHash('sha256');
  let size = 0;
  pack.on('data', (chunk: unknown) => {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const files: Record<string, string> = {};
  await addTree(pack, directory, basename(directory), files);
  pack.finalize();
  await ended;
  return { size, sha256: hash.digest('hex'), files };
}

async function addTree(pack: Pack, path: string, name: string, files: Record<string, string>): Promise<void> {
  const s = await lstat(path);
  const header = { name, mode: s.mode & 0o7777, mtime: new Date(Math.floor(s.mtimeMs / 1000) * 1000), uid: s.uid, gid: s.gid };
  if (s.isDirectory()) {
    await addEmpty(pack, { ...header, name: `${name}/`, type: 'directory' });
    // Code-unit order, as the SFTP source sorts its listing.
    const children = (await readdir(path)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const child of children) await addTree(pack, join(path, child), `${name}/${child}`, files);
  } else if (s.isSymbolicLink()) {
    await addEmpty(pack, { ...header, type: 'symlink', linkname: await readlink(path) });
  } else if (s.isFile()) {
    const digest = createHash('sha256');
    const sink = pack.entry({ ...header, type: 'file', size: s.size });
    const source = createReadStream(path);
    source.on('data', (chunk) => digest.update(chunk));
    await pipeline(source, sink);
    files[name] = digest.digest('hex');
  }
}

function addEmpty(pack: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}
