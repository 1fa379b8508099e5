import { PassThrough, type Readable } from 'node:stream';
import { DeviceOperationFailed, DeviceUnreachable } from '../../common/errors';
import type { SftpSession } from './session';

/**
 * Bytes asked for per SFTP read (the stream's highWaterMark): ssh2 splits a larger read into
 * several requests in flight. Loopback, 32 MiB, real sshd: 64 KiB 19 MB/s, 256 KiB 21 MB/s,
 * 1 MiB 26 MB/s, 4 MiB 29 MB/s; 1 MiB keeps memory per stream small.
 */
export const READ_CHUNK = 1024 * 1024;

export interface RemoteFileStream {
  body: Readable;
  /** Size from fstat on the opened handle: the transfer fails unless exactly this many bytes arrive. */
  size: number;
  mtime: number;
}

/**
 * Opens one regular file for reading. The size is taken from the open handle (fstat), so a file
 * that shrinks or grows while it is read fails the transfer's size check instead of archiving
 * something else. The stream ends the SSH session when it closes, however it ends.
 */
export async function openRemoteFile(session: SftpSession, path: string, options: { idleSeconds: number }): Promise<RemoteFileStream> {
  const { sftp, target } = session;
  const handle = await new Promise<Buffer>((resolve, reject) => {
    sftp.open(path, 'r', (err, h) => (err ? reject(session.errorFor(err, 'open', path)) : resolve(h)));
  });
  const stats = await new Promise<{ size: number; mtime: number; isFile: boolean }>((resolve, reject) => {
    sftp.fstat(handle, (err, s) => (err ? reject(session.errorFor(err, 'stat', path)) : resolve({ size: s.size, mtime: s.mtime, isFile: s.isFile() })));
  });
  if (!stats.isFile) {
    sftp.close(handle, () => undefined);
    throw new DeviceOperationFailed(`${path} on the ${target.what} ${target.host}:${target.port} is not a regular file`, { deviceId: target.deviceId });
  }
  const source = sftp.createReadStream(path, { handle, autoClose: true, highWaterMark: READ_CHUNK });
  return { body: guardStream(session, source, path, options.idleSeconds), size: stats.size, mtime: stats.mtime };
}

/**
 * Puts an SFTP stream behind a PassThrough that (1) turns its errors into typed ones, (2) fails
 * with DeviceUnreachable after `idleSeconds` without data, and (3) closes the SSH session when
 * the consumer is done or gives up.
 */
export function guardStream(session: SftpSession, source: Readable, path: string, idleSeconds: number, closeSession = true): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      out.destroy(
        new DeviceUnreachable(
          `the ${session.target.what} ${session.target.host}:${session.target.port} sent no data of ${path} for ${idleSeconds}s (timeouts.idleSeconds)`,
          { deviceId: session.target.deviceId },
        ),
      );
    }, idleSeconds * 1000);
  };
  arm();
  source.on('data', arm);
  source.on('error', (error) => out.destroy(session.errorFor(error, 'read', path)));
  source.pipe(out);
  out.on('close', () => {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
    if (closeSession) session.close();
  });
  out.on('end', () => clearTimeout(timer));
  return out;
}
