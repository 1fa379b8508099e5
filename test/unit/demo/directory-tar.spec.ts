import { createHash } from 'node:crypto';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOfDirectoryTar } from '../../../cli/demo/directory-tar';
import { silentLog } from '../../../lambdas/common/log';
import { openSftpSession, tarRemoteDirectory } from '../../../lambdas/transfer/sftp';
import { startSftpServer, type SftpServer } from '../../../simulators/common/sftp-server';

/**
 * The demo's Flow Gateway check rebuilds, from the landed files, the tar the runner must have
 * archived. It is only worth something if it equals the runner's own tar byte for byte, and
 * differs as soon as a file's bytes or metadata do.
 */
let server: SftpServer;

beforeAll(async () => {
  server = await startSftpServer();
});
afterAll(async () => {
  await server?.close();
});

async function runnerTar(remotePath: string): Promise<{ size: number; sha256: string }> {
  const session = await openSftpSession(
    { deviceId: 'fg-demo', what: 'landing host', host: server.host, port: server.port, hostKey: server.hostKeyFingerprint, hostKeyField: 'landing.hostKey', connectSeconds: 5, idleSeconds: 10 },
    { username: server.username, privateKey: server.clientPrivateKey },
  );
  const tar = await tarRemoteDirectory(session, remotePath, { idleSeconds: 10, log: silentLog });
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of tar.body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  expect(size).toBe(tar.size);
  return { size, sha256: hash.digest('hex') };
}

describe('digestOfDirectoryTar (the demo check for a landed directory)', () => {
  it('equals the tar the runner streams over SFTP, byte for byte, and lists every file with its digest', async () => {
    const dir = join(server.root, 'srv', '20261122_083942');
    await mkdir(join(dir, 'vault', 'b-sub'), { recursive: true });
    await mkdir(join(dir, 'A-upper'));
    await writeFile(join(dir, 'flowgateway_backup.tar.enc'), Buffer.alloc(700_001, 9));
    await writeFile(join(dir, 'backup.info'), 'backup=20261122_083942\n');
    await writeFile(join(dir, 'vault', 'cloak_key.enc'), Buffer.alloc(1000, 14));
    await writeFile(join(dir, 'vault', 'b-sub', `${'x'.repeat(120)}.bin`), 'a name that needs pax');
    await writeFile(join(dir, 'empty'), '');
    await symlink('backup.info', join(dir, 'latest'));

    const rebuilt = await digestOfDirectoryTar(dir);
    expect({ size: rebuilt.size, sha256: rebuilt.sha256 }).toEqual(await runnerTar('/srv/20261122_083942'));
    expect(Object.keys(rebuilt.files).sort()).toEqual(
      [
        '20261122_083942/backup.info',
        '20261122_083942/empty',
        '20261122_083942/flowgateway_backup.tar.enc',
        '20261122_083942/vault/cloak_key.enc',
        `20261122_083942/vault/b-sub/${'x'.repeat(120)}.bin`,
      ].sort(),
    );
    expect(rebuilt.files['20261122_083942/backup.info']).toBe(createHash('sha256').update('backup=20261122_083942\n').digest('hex'));
  });

  it('differs when one byte or one mtime differs', async () => {
    const dir = join(server.root, 'changes', 'landed');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'file.bin'), Buffer.alloc(4096, 1));
    await utimes(join(dir, 'file.bin'), 1_700_000_000, 1_700_000_000);
    const before = await digestOfDirectoryTar(dir);

    const changed = Buffer.alloc(4096, 1);
    changed[100] = 2;
    await writeFile(join(dir, 'file.bin'), changed);
    await utimes(join(dir, 'file.bin'), 1_700_000_000, 1_700_000_000);
    const byteChanged = await digestOfDirectoryTar(dir);
    expect(byteChanged.size).toBe(before.size);
    expect(byteChanged.sha256).not.toBe(before.sha256);

    await utimes(join(dir, 'file.bin'), 1_700_000_000, 1_700_000_001);
    expect((await digestOfDirectoryTar(dir)).sha256).not.toBe(byteChanged.sha256);
    expect(await digestOfDirectoryTar(dir)).toMatchObject({ sha256: (await runnerTar('/changes/landed')).sha256 });
  });
});
