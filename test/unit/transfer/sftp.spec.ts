import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { judgeHostKey, opensshFingerprint } from '../../../lambdas/transfer/sftp/host-key';
import { isInside } from '../../../lambdas/transfer/sftp/remote-tree';
import { parseSshCredentials, LANDING_SECRET_FIELDS } from '../../../lambdas/transfer/sftp/credentials';
import { sftpOperationError, sshConnectionError, type SshTarget } from '../../../lambdas/transfer/sftp/ssh-errors';
import { tarArchiveSize, type TarEntryFacts } from '../../../lambdas/transfer/sftp/tar-layout';

const target: SshTarget = {
  deviceId: 'fg1',
  what: 'landing host',
  host: '10.0.0.9',
  port: 22,
  username: 'backup',
  connectSeconds: 10,
  idleSeconds: 60,
  methods: 'publickey',
};

describe('OpenSSH fingerprints', () => {
  it('is SHA256: and the unpadded base64 of the key blob (the integration tests compare it with ssh-keygen -lf)', () => {
    const blob = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');
    const expected = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    expect(opensshFingerprint(blob)).toBe(expected);
    expect(opensshFingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('judges a presented key against the pin', () => {
    const where = { what: 'console', host: 'qradar', port: 22, configField: 'ssh.hostKey' };
    expect(judgeHostKey('SHA256:abc', 'SHA256:abc', where)).toBeUndefined();
    expect(judgeHostKey('SHA256:abc', 'SHA256:xyz', where)).toMatch(/expected SHA256:abc \(ssh\.hostKey\), the server presented SHA256:xyz.*ssh-keyscan -p 22 qradar/);
  });
});

describe('SSH error mapping', () => {
  it.each([
    [Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'AuthenticationFailed', /refused SSH login as "backup" \(tried publickey\)/],
    [Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), 'DeviceUnreachable', /within 10s \(timeouts.connectSeconds\)/],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'DeviceUnreachable', /connection refused by landing host 10\.0\.0\.9:22/],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'DeviceUnreachable', /reset/],
    [new Error('Cannot parse privateKey: Unsupported key format'), 'SecretError', /cannot be used/],
    [new Error('Handshake failed: no matching key exchange algorithm'), 'DeviceProtocolError', /no matching key exchange/],
  ])('%s -> %s', (error, name, message) => {
    const mapped = sshConnectionError(error, target);
    expect(mapped.name).toBe(name);
    expect(mapped.message).toMatch(/^fg1: /);
    expect(mapped.message).toMatch(message);
  });

  it('a refused host key wins over the handshake error it causes', () => {
    expect(sshConnectionError(new Error('Host denied (verification failed)'), target, 'the SSH host key ... does not match').name).toBe('HostKeyMismatch');
  });

  it.each([
    [{ code: 2 }, 'DeviceOperationFailed', /does not exist on the landing host/],
    [{ code: 3 }, 'DeviceOperationFailed', /permission denied/],
    [{ message: 'No response from server' }, 'DeviceUnreachable', /No response/],
  ])('SFTP status %j -> %s', (fields, name, message) => {
    const error = Object.assign(new Error(String((fields as { message?: string }).message ?? 'Failure')), fields);
    const mapped = sftpOperationError(error, target, 'open', '/srv/x');
    expect(mapped.name).toBe(name);
    expect(mapped.message).toMatch(message);
  });
});

describe('SSH credentials from a secret', () => {
  it('takes a key or a password, never echoes values', () => {
    expect(parseSshCredentials({ username: 'u', password: 'p' }, 's', 'fg1', LANDING_SECRET_FIELDS)).toEqual({ username: 'u', password: 'p' });
    expect(() => parseSshCredentials({ username: 'u' }, 's', 'fg1', LANDING_SECRET_FIELDS)).toThrow(/neither "privateKey" nor "password"/);
    expect(() => parseSshCredentials({ username: 'u', privateKey: 'hunter2' }, 's', 'fg1', LANDING_SECRET_FIELDS)).toThrow(/not a PEM\/OpenSSH private key/);
    try {
      parseSshCredentials({ username: 'u', privateKey: 'hunter2' }, 's', 'fg1', LANDING_SECRET_FIELDS);
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('paths inside the landing path', () => {
  it.each([
    ['/srv/b', '/srv/b/20260227_1546', true],
    ['/srv/b/', '/srv/b', true],
    ['/srv/b', '/srv/b/../etc', false],
    ['/srv/b', '/srv/bb/x', false],
  ])('%s contains %s: %s', (root, path, inside) => expect(isInside(root, path)).toBe(inside));
});

/** What tar-stream really writes for these entries. */
async function packedLength(entries: TarEntryFacts[]): Promise<number> {
  const p = pack();
  const done = (async () => {
    let n = 0;
    for await (const chunk of p) n += (chunk as Buffer).length;
    return n;
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.type === 'file') p.entry({ name: e.name, size: e.size, mtime: new Date(0) }, Buffer.alloc(e.size, 1), cb);
      else if (e.type === 'directory') p.entry({ name: `${e.name}/`, type: 'directory', mtime: new Date(0) }, cb);
      else p.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '', mtime: new Date(0) }, cb);
    });
  }
  p.finalize();
  return done;
}

describe('exact tar size', () => {
  const long = (n: number) => 'd/'.repeat(n) + 'f'.repeat(90);
  it.each<[string, TarEntryFacts[]]>([
    ['empty archive', []],
    ['files padded to 512', [{ name: 'a', type: 'file', size: 0 }, { name: 'b', type: 'file', size: 1 }, { name: 'c', type: 'file', size: 512 }, { name: 'd', type: 'file', size: 513 }]],
    ['directories and links', [{ name: 'top', type: 'directory', size: 0 }, { name: 'top/l', type: 'symlink', size: 0, linkname: 'x' }]],
    ['name split into ustar prefix', [{ name: long(40), type: 'file', size: 10 }]],
    ['name too long for ustar: pax', [{ name: 'n'.repeat(120), type: 'file', size: 10 }]],
    ['pax record length crossing a power of ten', [{ name: 'p'.repeat(91 + 5), type: 'file', size: 3 }, { name: 'q'.repeat(987), type: 'file', size: 3 }]],
    ['non-ASCII name: pax', [{ name: 'backup-é.bin', type: 'file', size: 7 }]],
    ['long link target: pax', [{ name: 'l', type: 'symlink', size: 0, linkname: 't'.repeat(150) }]],
  ])('%s', async (_label, entries) => {
    expect(tarArchiveSize(entries)).toBe(await packedLength(entries));
  });
});
