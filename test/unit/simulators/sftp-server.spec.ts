import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { utils } from 'ssh2';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../../lambdas/common/log';
import {
  openRemoteFile,
  openSftpSession,
  removeRemoteTree,
  tarRemoteDirectory,
  untarToRemote,
  writeRemoteFile,
  type SftpSession,
  type SshCredentials,
  type SshEndpoint,
} from '../../../lambdas/transfer/sftp';
import { canonicalRemotePath, confinedSegments } from '../../../simulators/common/sftp-chroot';
import { startSftpServer, toLocalPath, toRemotePath, type SftpServer } from '../../../simulators/common/sftp-server';
import type { Sshd } from '../../../simulators/common/sshd';
import { untarInMemory } from '../support/untar';

/**
 * The in-process SFTP server driven by the runner's own SFTP source (lambdas/transfer/sftp), the
 * client the demo uses against it: a file, a directory as one tar, an upload and an untar, the
 * host key pin, logins, and paths that try to leave the served tree.
 */
let server: SftpServer;
let outside: string;

beforeAll(async () => {
  [server, outside] = await Promise.all([startSftpServer({ username: 'landing', password: 'landing-pw' }), mkdtemp(join(tmpdir(), 'sftp-outside-'))]);
  await writeFile(join(outside, 'secret.txt'), 'not yours');
});
afterAll(async () => {
  await server?.close();
  await rm(outside, { recursive: true, force: true });
});

const endpoint = (overrides: Partial<SshEndpoint> = {}): SshEndpoint => ({
  deviceId: 'fg1',
  what: 'landing host',
  host: server.host,
  port: server.port,
  hostKey: server.hostKeyFingerprint,
  hostKeyField: 'landing.hostKey',
  connectSeconds: 5,
  idleSeconds: 10,
  ...overrides,
});
const byKey = (): SshCredentials => ({ username: server.username, privateKey: server.clientPrivateKey });
const byPassword = (): SshCredentials => ({ username: server.username, password: server.password });

async function withSession<T>(work: (session: SftpSession) => Promise<T>, credentials: SshCredentials = byKey()): Promise<T> {
  const session = await openSftpSession(endpoint(), credentials);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function patterned(size: number, salt: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + salt + (i >> 11)) & 0xff;
  return bytes;
}

describe('in-process SFTP server, read by the runner SFTP source', () => {
  it('has the shape of the sshd harness, so a simulator can take either', () => {
    const asSshd: Omit<Sshd, 'directory'> = server;
    expect(asSshd.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(server.otherFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(server.otherFingerprint).not.toBe(server.hostKeyFingerprint);
    expect(server.clientPrivateKey).toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
  });

  it.each([
    ['a key', byKey],
    ['a password', byPassword],
  ])('streams one file with its exact bytes and size, logged in with %s', async (_how, credentials) => {
    const content = patterned(1_500_001, 7);
    await mkdir(join(server.root, 'store', 'backup'), { recursive: true });
    await writeFile(join(server.root, 'store', 'backup', 'one.tgz'), content);
    const bytes = await withSession(async (session) => {
      const file = await openRemoteFile(session, '/store/backup/one.tgz', { idleSeconds: 10 });
      expect(file.size).toBe(content.length);
      return collect(file.body);
    }, credentials());
    expect(bytes.length).toBe(content.length);
    expect(sha256(bytes)).toBe(sha256(content));
  });

  it('serves a directory as one tar of exactly the computed size, with every file, directory and link', async () => {
    const top = join(server.root, 'landing', '20260227_1546');
    await mkdir(join(top, 'nested', 'deeper'), { recursive: true });
    const files: Record<string, Buffer> = {
      'flowgateway_backup.tar.enc': patterned(300_123, 3),
      'empty.txt': Buffer.alloc(0),
      'nested/exactly-512.bin': Buffer.alloc(512, 7),
      [`nested/deeper/${'long-name-'.repeat(12)}.dat`]: Buffer.from('long path needs pax'),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(top, name), bytes);
    await symlink('flowgateway_backup.tar.enc', join(top, 'latest'));

    const { tar, size } = await withSession(async (session) => {
      const archive = await tarRemoteDirectory(session, '/landing/20260227_1546', { idleSeconds: 10, log: silentLog });
      return { tar: await collect(archive.body), size: archive.size };
    });
    expect(tar.length).toBe(size);
    const unpacked = await untarInMemory(tar);
    expect([...unpacked.files.keys()].sort()).toEqual(Object.keys(files).map((n) => `20260227_1546/${n}`).sort());
    for (const [name, content] of Object.entries(files)) expect(unpacked.files.get(`20260227_1546/${name}`)?.equals(content)).toBe(true);
    expect(unpacked.dirs.sort()).toEqual(['20260227_1546/', '20260227_1546/nested/', '20260227_1546/nested/deeper/']);
    expect(unpacked.links.get('20260227_1546/latest')).toBe('flowgateway_backup.tar.enc');
  });

  it('takes an upload (atomically, replacing an older copy) and a tar unpacked in place, and removes a tree', async () => {
    await mkdir(join(server.root, 'upload'), { recursive: true });
    const first = patterned(200_000, 1);
    const second = patterned(250_001, 2);
    const tarred = await tarOf([
      { name: 'restore-1/', type: 'directory' },
      { name: 'restore-1/a.bin', content: patterned(70_000, 9) },
      { name: 'restore-1/sub/b.txt', content: Buffer.from('hello') },
      { name: 'restore-1/link', type: 'symlink', linkname: 'a.bin' },
    ]);
    const result = await withSession(async (session) => {
      expect(await writeRemoteFile(session, '/upload/backup.tgz', Readable.from([first]))).toBe(first.length);
      expect(await writeRemoteFile(session, '/upload/backup.tgz', Readable.from([second]), { mode: 0o600 })).toBe(second.length);
      return untarToRemote(session, '/upload', Readable.from([tarred]));
    });
    expect(sha256(await readFile(join(server.root, 'upload', 'backup.tgz')))).toBe(sha256(second));
    expect((await stat(join(server.root, 'upload', 'backup.tgz'))).mode & 0o777).toBe(0o600);
    await expect(lstat(join(server.root, 'upload', 'backup.tgz.part'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(result).toEqual({ topLevel: ['restore-1'], files: 2, bytes: 70_005 });
    expect(sha256(await readFile(join(server.root, 'upload', 'restore-1', 'a.bin')))).toBe(sha256(patterned(70_000, 9)));
    expect(await readFile(join(server.root, 'upload', 'restore-1', 'sub', 'b.txt'), 'utf8')).toBe('hello');
    // The link is stored as the tar had it: name and target not swapped.
    expect(await readlink(join(server.root, 'upload', 'restore-1', 'link'))).toBe('a.bin');

    const removed = await withSession((session) => removeRemoteTree(session, '/upload/restore-1', silentLog));
    expect(removed).toBe(5);
    await expect(lstat(join(server.root, 'upload', 'restore-1'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a wrong host key pin before logging in, naming both fingerprints', async () => {
    const logins = () => server.log().match(/(accepted|refused) (publickey|password) login/g)?.length ?? 0;
    const before = logins();
    const error = await openSftpSession(endpoint({ hostKey: server.otherFingerprint }), byPassword()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HostKeyMismatch' });
    expect((error as Error).message).toContain(`expected ${server.otherFingerprint} (landing.hostKey), the server presented ${server.hostKeyFingerprint}`);
    // The client hung up at the host key: the server never saw a login attempt (nor the password).
    expect(before).toBeGreaterThan(0);
    expect(logins()).toBe(before);
    expect(server.log()).not.toContain(server.password);
  });

  it('an RSA host key is pinned the same way', async () => {
    const rsa = await startSftpServer({ hostKeyType: 'rsa' });
    try {
      const session = await openSftpSession(endpoint({ port: rsa.port, hostKey: rsa.hostKeyFingerprint }), { username: rsa.username, password: rsa.password });
      session.close();
      const error = await openSftpSession(endpoint({ port: rsa.port, hostKey: server.hostKeyFingerprint }), { username: rsa.username, password: rsa.password }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'HostKeyMismatch' });
      expect((error as Error).message).toContain(`the server presented ${rsa.hostKeyFingerprint}`);
    } finally {
      await rsa.close();
    }
  });

  it.each([
    ['a wrong password', () => ({ username: 'landing', password: 'nope' })],
    ['another user', () => ({ username: 'root', password: 'landing-pw' })],
    ['a key it does not know', () => ({ username: 'landing', privateKey: utils.generateKeyPairSync('ed25519').private })],
  ])('refuses %s as an authentication failure', async (_what, credentials) => {
    const error = await openSftpSession(endpoint(), credentials()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthenticationFailed' });
  });

  it.each(['/../../../etc/passwd', '../secret.txt', '/store/../../x', '..'])('refuses %s, which climbs out of the served tree', async (path) => {
    const error = await withSession((session) => session.stat(path)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeviceOperationFailed' });
    expect((error as Error).message).toMatch(/may not stat .* \(permission denied\)/);
    expect(server.log()).toContain('climbs above the served directory');
  });

  it('never follows a link out of the served tree, for reading, listing or writing through it', async () => {
    await mkdir(join(server.root, 'links'), { recursive: true });
    await symlink(join(outside, 'secret.txt'), join(server.root, 'links', 'to-file'));
    await symlink(outside, join(server.root, 'links', 'to-dir'));
    await withSession(async (session) => {
      await expect(openRemoteFile(session, '/links/to-file', { idleSeconds: 5 })).rejects.toMatchObject({ name: 'DeviceOperationFailed', message: /permission denied/ });
      await expect(session.readdir('/links/to-dir')).rejects.toMatchObject({ message: /permission denied/ });
      await expect(writeRemoteFile(session, '/links/to-dir/planted.txt', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ message: /permission denied/ });
      // The link itself may be looked at (lstat, readlink), as the tar of a directory does.
      expect((await session.lstat('/links/to-file')).isSymbolicLink()).toBe(true);
      expect(await session.readlink('/links/to-file')).toBe(join(outside, 'secret.txt'));
    });
    await expect(lstat(join(outside, 'planted.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('not yours');
  });

  it('renaming onto an existing name fails, as SFTP v3 on OpenSSH does', async () => {
    await mkdir(join(server.root, 'ren'), { recursive: true });
    await writeFile(join(server.root, 'ren', 'a'), 'a');
    await writeFile(join(server.root, 'ren', 'b'), 'b');
    await withSession(async (session) => {
      await expect(session.rename('/ren/a', '/ren/b')).rejects.toMatchObject({ name: 'DeviceOperationFailed' });
      await session.rename('/ren/a', '/ren/c');
    });
    expect(await readFile(join(server.root, 'ren', 'c'), 'utf8')).toBe('a');
    expect(await readFile(join(server.root, 'ren', 'b'), 'utf8')).toBe('b');
  });
});

describe('served-tree paths (pure)', () => {
  it.each([
    ['/', []],
    ['', []],
    ['.', []],
    ['/a/./b//c/', ['a', 'b', 'c']],
    ['a/b/../c', ['a', 'c']],
    ['/a/..', []],
    ['/..', undefined],
    ['/a/../../b', undefined],
    ['../x', undefined],
  ])('%j names %j below the root', (path, segments) => {
    expect(confinedSegments(path)).toEqual(segments);
  });

  it('maps between the served tree and this machine both ways, and refuses what lies outside', () => {
    expect(canonicalRemotePath('srv//backups/./fg/')).toBe('/srv/backups/fg');
    expect(toLocalPath('/tmp/root', '/srv/backups/fg')).toBe('/tmp/root/srv/backups/fg');
    expect(toRemotePath('/tmp/root', '/tmp/root/srv/backups/fg')).toBe('/srv/backups/fg');
    expect(toRemotePath('/tmp/root', '/tmp/root')).toBe('/');
    expect(() => toLocalPath('/tmp/root', '/../etc')).toThrow(/climbs above the served directory \/tmp\/root/);
    expect(() => toRemotePath('/tmp/root', '/tmp/rootless/x')).toThrow(/is not inside the served directory/);
  });
});

type TarSpec = { name: string; type?: 'directory' | 'symlink'; linkname?: string; content?: Buffer };

async function tarOf(entries: TarSpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, mode: e.type === 'directory' ? 0o755 : 0o644, ...(e.type ? { type: e.type } : {}), ...(e.linkname ? { linkname: e.linkname } : {}) };
      p.entry(header, e.content ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
