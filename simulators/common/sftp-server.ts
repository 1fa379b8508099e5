import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import ssh2, { type AuthContext, type Connection, type ParsedKey } from 'ssh2';
import { confinedSegments, isWithin } from './sftp-chroot';
import { serveSftpSession, type SftpReadFaults } from './sftp-session';
import type { Sshd } from './sshd';

// ssh2 is CommonJS: Node's ESM loader (the CLI runs under tsx) sees only some of its names as
// named exports (Client, not Server or utils), so they are taken from the default export.
const { Server, utils } = ssh2;

/**
 * An SFTP server inside this Node process (ssh2's `Server`), on 127.0.0.1 with an OS-chosen
 * port, serving one directory tree as `/` for one account. It stands in for a landing host or a
 * QRadar console where OpenSSH's sshd is not installed: the demo and the default test path run on
 * npm packages only (DESIGN.md), while the SSH device integration tests keep a real sshd.
 *
 * Differences from sshd that matter to a caller: paths are the served tree's (a chroot), so a
 * simulator that writes files must write them under `root` and report them by their path inside
 * it (`remotePath`); SFTP only (no shell, exec or forwarding); one SFTP v3 server without
 * extensions (no posix-rename), like OpenSSH's sftp-server without them.
 */
export interface SftpServer extends Omit<Sshd, 'directory'> {
  /** The read faults in force (the object given as `faults`, or one to change). */
  faults: SftpReadFaults;
  /** The account's password (password login is allowed as well as the key). */
  password: string;
  /** The directory on this machine that the server shows as `/`. */
  root: string;
  /** Where a path the SFTP client names lies on this machine (lexically: links are not resolved); throws for one above `/`. */
  localPath(remotePath: string): string;
  /** The path an SFTP client names for a file under `root` on this machine. */
  remotePath(localPath: string): string;
}

export interface SftpServerOptions {
  /** The directory to serve as `/`; it must exist. @default a new temp directory, removed on close */
  root?: string;
  /** @default "backup" */
  username?: string;
  /** @default random */
  password?: string;
  /** The host key's type. @default "ed25519" */
  hostKeyType?: 'ed25519' | 'rsa';
  /** Faults of file reads (live: change them between steps). @default none */
  faults?: SftpReadFaults;
}

/** Starts the server; it listens before this resolves. */
export async function startSftpServer(options: SftpServerOptions = {}): Promise<SftpServer> {
  const ownRoot = options.root === undefined;
  const root = await realpath(options.root ?? (await mkdtemp(join(tmpdir(), 'sftp-root-'))));
  const username = options.username ?? 'backup';
  const password = options.password ?? randomBytes(12).toString('base64url');
  const hostKey = generateKey(options.hostKeyType ?? 'ed25519', 'sftp-sim-host');
  const clientKey = generateKey('ed25519', 'sftp-sim-client');
  const otherKey = generateKey('ed25519', 'other-host');
  const clientPublic = clientKey.parsed.getPublicSSH();
  const faults = options.faults ?? {};

  const lines: string[] = [];
  const note = (line: string) => {
    lines.push(`${new Date().toISOString()} ${line}`);
    if (lines.length > 500) lines.shift();
  };

  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    connections.add(client);
    // As the runner's client does: without it Nagle and delayed ACKs stall every SFTP round trip.
    // (ssh2's server Connection has setNoDelay, lib/server.js; @types/ssh2 declares it on Client only.)
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    // A client that drops the connection (or a test that refuses the host key) is routine here.
    client.on('error', (error) => note(`connection error: ${error.message}`));
    client.on('close', () => connections.delete(client));
    client.on('authentication', (ctx) => {
      if (accepts(ctx, username, password, clientPublic, clientKey.parsed)) {
        note(`accepted ${ctx.method} login as "${ctx.username}"`);
        ctx.accept();
        return;
      }
      if (ctx.method !== 'none') note(`refused ${ctx.method} login as "${ctx.username}"`);
      ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => serveSftpSession(acceptSftp(), root, note, { faults, drop: () => client.end() }));
        // No shell, exec or subsystems other than sftp: ssh2 refuses requests nobody listens for.
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    username,
    password,
    clientPrivateKey: clientKey.privateKey,
    hostKeyFingerprint: opensshFingerprintOf(hostKey.parsed),
    otherFingerprint: opensshFingerprintOf(otherKey.parsed),
    root,
    faults,
    localPath: (remote) => toLocalPath(root, remote),
    remotePath: (local) => toRemotePath(root, local),
    log: () => lines.join('\n'),
    close: async () => {
      for (const client of connections) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

/** Whether this login attempt is the account's password or a valid signature by its key. */
function accepts(ctx: AuthContext, username: string, password: string, clientPublic: Buffer, clientKey: ParsedKey): boolean {
  if (ctx.username !== username) return false;
  if (ctx.method === 'password') return sameBytes(Buffer.from(ctx.password), Buffer.from(password));
  if (ctx.method !== 'publickey') return false;
  if (!sameBytes(ctx.key.data, clientPublic)) return false;
  // Without a signature the client only asks whether the key would do; with one, it must verify.
  if (!ctx.signature || !ctx.blob) return true;
  return clientKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo);
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

interface GeneratedKey {
  privateKey: string;
  parsed: ParsedKey;
}

function generateKey(type: 'ed25519' | 'rsa', comment: string): GeneratedKey {
  // ssh2 now and then writes an ed25519 key its own parser calls "Malformed OpenSSH private key"
  // (seen once in a full test run); a fresh key is the cure, so try a few before giving up.
  let problem = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048, comment }) : utils.generateKeyPairSync('ed25519', { comment });
    const parsed = utils.parseKey(pair.private);
    if (!(parsed instanceof Error)) return { privateKey: pair.private, parsed };
    problem = parsed.message;
  }
  throw new Error(`ssh2 could not read the ${type} keys it generated (5 tries): ${problem}`);
}

/**
 * The fingerprint as `ssh-keygen -lf` prints it: "SHA256:" + unpadded base64 of the SHA-256 of
 * the public key blob. Written here rather than imported from the runner, so that tests of the
 * runner's pinning check it against an independent computation.
 */
export function opensshFingerprintOf(key: ParsedKey): string {
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

/** "/" + the path of `local` below `root`; throws when it is not below it. Pure. */
export function toRemotePath(root: string, local: string): string {
  if (!isWithin(root, local)) throw new Error(`${local} is not inside the served directory ${root}`);
  return `/${relative(root, local).split(sep).filter(Boolean).join('/')}`;
}

/** The path on this machine of a path inside the served tree; throws when it climbs above `/`. Pure. */
export function toLocalPath(root: string, remote: string): string {
  const segments = confinedSegments(remote);
  if (!segments) throw new Error(`${JSON.stringify(remote)} climbs above the served directory ${root}`);
  return join(root, ...segments);
}
