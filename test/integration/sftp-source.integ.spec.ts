import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, truncate, unlink, writeFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/common/log';
import {
  openRemoteFile,
  openSftpSession,
  removeRemoteTree,
  tarRemoteDirectory,
  untarToRemote,
  writeRemoteFile,
  type SshEndpoint,
} from '../../lambdas/transfer/sftp';
import { startSshd, type Sshd } from '../../simulators/common/sshd';
import { describeWithSshd, SSHD_AVAILABLE } from '../support/sshd';
import { untarInMemory } from '../unit/support/untar';

/**
 * The SFTP source against a real OpenSSH sshd on loopback: exact bytes of a file and of a
 * directory as one tar, host key pinning, auth failures, and files that change underneath.
 */
let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  if (!SSHD_AVAILABLE) return;
  sshd = await startSshd();
  dir = await mkdtemp(join(tmpdir(), 'sftp-source-'));
});
afterAll(async () => {
  await sshd?.close();
  await rm(dir, { recursive: true, force: true });
});

const endpoint = (overrides: Partial<SshEndpoint> = {}): SshEndpoint => ({
  deviceId: 'fg1',
  what: 'landing host',
  host: sshd.host,
  port: sshd.port,
  hostKey: sshd.hostKeyFingerprint,
  hostKeyField: 'landing.hostKey',
  connectSeconds: 5,
  idleSeconds: 10,
  ...overrides,
});
const credentials = () => ({ username: sshd.username, privateKey: sshd.clientPrivateKey });

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeWithSshd('SFTP source (real sshd)', () => {
  it('streams one file with its exact bytes and the size from the open handle', async () => {
    const content = Buffer.alloc(700_001, 0);
    for (let i = 0; i < content.length; i += 1) content[i] = (i * 31 + 7) & 0xff;
    const path = join(dir, 'one.bin');
    await writeFile(path, content);
    const session = await openSftpSession(endpoint(), credentials());
    const file = await openRemoteFile(session, path, { idleSeconds: 10 });
    expect(file.size).toBe(content.length);
    const bytes = await collect(file.body);
    expect(sha256(bytes)).toBe(sha256(content));
  });

  it('archives a directory as one tar of exactly the computed size, with every file, directory and link', async () => {
    const root = join(dir, '20260227_1546');
    await mkdir(join(root, 'nested', 'deeper'), { recursive: true });
    const files: Record<string, Buffer> = {
      'config.tgz': Buffer.from('a'.repeat(1500)),
      'empty.txt': Buffer.alloc(0),
      'nested/exactly-512.bin': Buffer.alloc(512, 7),
      [`nested/deeper/${'long-name-'.repeat(12)}.dat`]: Buffer.from('long path needs pax'),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
    await symlink('config.tgz', join(root, 'latest'));

    const session = await openSftpSession(endpoint(), credentials());
    const tar = await tarRemoteDirectory(session, root, { idleSeconds: 10, log: silentLog });
    const bytes = await collect(tar.body);
    expect(bytes.length).toBe(tar.size);

    const unpacked = await untarInMemory(bytes);
    expect([...unpacked.files.keys()].sort()).toEqual(Object.keys(files).map((n) => `20260227_1546/${n}`).sort());
    for (const [name, content] of Object.entries(files)) expect(unpacked.files.get(`20260227_1546/${name}`)).toEqual(content);
    expect(unpacked.dirs.sort()).toEqual(['20260227_1546/', '20260227_1546/nested/', '20260227_1546/nested/deeper/']);
    expect(unpacked.links.get('20260227_1546/latest')).toBe('config.tgz');
  });

  it('refuses a changed host key, naming the expected and the presented fingerprint', async () => {
    const error = await openSftpSession(endpoint({ hostKey: sshd.otherFingerprint }), credentials()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HostKeyMismatch' });
    const message = (error as Error).message;
    expect(message).toMatch(/^fg1: the SSH host key of the landing host 127\.0\.0\.1:\d+ does not match/);
    expect(message).toContain(`expected ${sshd.otherFingerprint} (landing.hostKey)`);
    expect(message).toContain(`the server presented ${sshd.hostKeyFingerprint}`);
  });

  it('a key the server does not know is an authentication failure', async () => {
    const { utils } = await import('ssh2');
    const stranger = utils.generateKeyPairSync('ed25519').private;
    const error = await openSftpSession(endpoint(), { username: sshd.username, privateKey: stranger }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthenticationFailed' });
    expect((error as Error).message).toMatch(/^fg1: the landing host 127\.0\.0\.1:\d+ refused SSH login as ".+" \(tried publickey\)/);
  });

  it('a private key that cannot be parsed is a secret problem, never echoed', async () => {
    const bad = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key\n-----END OPENSSH PRIVATE KEY-----\n';
    const error = await openSftpSession(endpoint(), { username: sshd.username, privateKey: bad }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SecretError' });
    expect((error as Error).message).not.toContain('not-a-key');
  });

  it('a password the server refuses is an authentication failure too', async () => {
    const error = await openSftpSession(endpoint(), { username: sshd.username, password: 'not-this-one' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthenticationFailed' });
    expect((error as Error).message).not.toContain('not-this-one');
  });

  it('a closed port is unreachable (retried by the workflow)', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await openSftpSession(endpoint({ port }), credentials()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeviceUnreachable' });
    expect((error as Error).message).toMatch(/connection refused/);
  });

  it('a file that vanished before the transfer fails clearly', async () => {
    const session = await openSftpSession(endpoint(), credentials());
    try {
      const error = await openRemoteFile(session, join(dir, 'never-there.bin'), { idleSeconds: 10 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'DeviceOperationFailed' });
      expect((error as Error).message).toMatch(/never-there\.bin does not exist on the landing host/);
    } finally {
      session.close();
    }
  });

  it('a file that shrinks while it is read ends short of the announced size', async () => {
    const path = join(dir, 'shrinks.bin');
    await writeFile(path, Buffer.alloc(8 * 1024 * 1024, 1));
    const session = await openSftpSession(endpoint(), credentials());
    const file = await openRemoteFile(session, path, { idleSeconds: 10 });
    const iterator = file.body[Symbol.asyncIterator]();
    let received = ((await iterator.next()).value as Buffer).length;
    await truncate(path, 100_000);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) received += (next.value as Buffer).length;
    expect(file.size).toBe(8 * 1024 * 1024);
    expect(received).toBeLessThan(file.size); // the transfer's size check turns this into an IntegrityError
  });

  it('a directory whose file shrinks while archived fails with an IntegrityError naming the file', async () => {
    const root = join(dir, 'changing');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a.bin'), Buffer.alloc(64 * 1024, 2));
    await writeFile(join(root, 'b.bin'), Buffer.alloc(4 * 1024 * 1024, 3));
    const session = await openSftpSession(endpoint(), credentials());
    const tar = await tarRemoteDirectory(session, root, { idleSeconds: 10, log: silentLog });
    await truncate(join(root, 'b.bin'), 10);
    const error = await collect(tar.body).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IntegrityError' });
    expect((error as Error).message).toMatch(/b\.bin changed while it was archived/);
  });

  it('writes a file atomically, unpacks a tar, and removes a tree', async () => {
    const session = await openSftpSession(endpoint(), credentials());
    try {
      const target = join(dir, 'written.bin');
      const written = await writeRemoteFile(session, target, Readable.from([Buffer.from('hello '), Buffer.from('world')]));
      expect(written).toBe(11);
      expect(await readFile(target, 'utf8')).toBe('hello world');
      expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual([]);

      const source = join(dir, 'tree-src');
      await mkdir(join(source, 'sub'), { recursive: true });
      await writeFile(join(source, 'sub', 'x.txt'), 'x');
      await writeFile(join(source, 'y.txt'), 'yy');
      await symlink('y.txt', join(source, 'link'));
      const tarSession = await openSftpSession(endpoint(), credentials());
      const tar = await collect((await tarRemoteDirectory(tarSession, source, { idleSeconds: 10, log: silentLog })).body);

      const destination = join(dir, 'restored');
      await mkdir(destination);
      const result = await untarToRemote(session, destination, Readable.from([tar]));
      expect(result).toMatchObject({ topLevel: ['tree-src'], files: 2, bytes: 3 });
      expect(await readFile(join(destination, 'tree-src', 'sub', 'x.txt'), 'utf8')).toBe('x');
      expect(await readlink(join(destination, 'tree-src', 'link'))).toBe('y.txt');

      expect(await removeRemoteTree(session, join(destination, 'tree-src'), silentLog)).toBe(5);
      await expect(stat(join(destination, 'tree-src'))).rejects.toMatchObject({ code: 'ENOENT' });
      await unlink(target);
    } finally {
      session.close();
    }
  });
});
