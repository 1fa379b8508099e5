import { posix } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { extract as createExtract } from 'tar-stream';
import { DeviceOperationFailed, IntegrityError } from '../../common/errors';
import type { SftpSession } from './session';

/**
 * Streams `body` into `path` on the SSH host: written as `<path>.part` and renamed at the end,
 * so the device never sees half a file under the real name. Returns the bytes written.
 */
export async function writeRemoteFile(session: SftpSession, path: string, body: Readable, options: { mode?: number } = {}): Promise<number> {
  const partial = `${path}.part`;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const sink = session.sftp.createWriteStream(partial, { mode: options.mode ?? 0o640 });
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    pipeline(body, sink, (error) => (error ? reject(session.errorFor(error, 'write', partial)) : resolve()));
  });
  // OpenSSH's rename fails when the target exists (SFTP v3): remove an older copy first.
  await session.unlink(path).catch(() => undefined);
  await session.rename(partial, path);
  return bytes;
}

/**
 * Unpacks a tar stream under `destination` on the SSH host and returns the top-level names it
 * held. Refuses absolute names and ".." (a crafted archive must not write outside the
 * destination) and hard links; symlinks are recreated as they were.
 */
export async function untarToRemote(session: SftpSession, destination: string, body: Readable): Promise<{ topLevel: string[]; files: number; bytes: number }> {
  const { deviceId } = session.target;
  const extract = createExtract();
  const topLevel = new Set<string>();
  const made = new Set<string>();
  let files = 0;
  let bytes = 0;
  const ensureDir = async (dir: string) => {
    if (made.has(dir) || dir === destination) return;
    await ensureDir(posix.dirname(dir));
    await session.mkdir(dir).catch(async (error: unknown) => {
      // Already there is fine; anything else is reported by stat.
      const stats = await session.stat(dir).catch(() => undefined);
      if (!stats?.isDirectory()) throw error;
    });
    made.add(dir);
  };
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const name = posix.normalize(header.name).replace(/\/+$/, '');
      if (name.startsWith('/') || name === '..' || name.startsWith('../') || name === '.' || name === '') {
        stream.resume();
        extract.destroy(new IntegrityError(`the archived tar holds an unsafe name "${header.name}"; nothing more is unpacked`, { deviceId }));
        return;
      }
      topLevel.add(name.split('/')[0]!);
      const target = posix.join(destination, name);
      const step = async () => {
        if (header.type === 'directory') {
          await ensureDir(target);
          stream.resume();
        } else if (header.type === 'file' || header.type === 'contiguous-file') {
          await ensureDir(posix.dirname(target));
          // tar-stream's entry stream is a streamx Readable; Node's pipeline accepts it.
          bytes += await writeRemoteFile(session, target, stream as unknown as Readable, { mode: (header.mode ?? 0o640) & 0o777 });
          files += 1;
        } else if (header.type === 'symlink') {
          await ensureDir(posix.dirname(target));
          await session.symlink(header.linkname ?? '', target);
          stream.resume();
        } else {
          stream.resume();
          throw new DeviceOperationFailed(`the archived tar holds "${header.name}" of type ${header.type}, which restore does not recreate`, { deviceId });
        }
      };
      step().then(() => next(), (error: unknown) => extract.destroy(error instanceof Error ? error : new Error(String(error))));
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  pipeline(body, extract, () => undefined);
  await finished;
  return { topLevel: [...topLevel], files, bytes };
}
