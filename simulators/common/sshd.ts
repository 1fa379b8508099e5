import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's openssh-server puts the daemon; BACKUP_RUNNER_SSHD names another (or, in tests, a missing one). */
export const SSHD_PATH = process.env.BACKUP_RUNNER_SSHD ?? '/usr/sbin/sshd';

/** What to install when sshd is missing, in one line. */
export const SSHD_MISSING = `${SSHD_PATH} is missing: install Debian's openssh-server (apt-get install -y openssh-server)`;

export const sshdAvailable = (): boolean => existsSync(SSHD_PATH);

/**
 * A real OpenSSH sshd on 127.0.0.1 for tests and local runs of the SSH devices: generated host
 * and client keys, its own sshd_config in a temp dir, run as the current user (root in CI, where
 * it allows key login only). Files it serves are this machine's files, so a simulator writes a
 * backup into a directory and the runner fetches it from there over SFTP.
 */
export interface Sshd {
  host: '127.0.0.1';
  port: number;
  /** The account that may log in with `clientPrivateKey`: the current user. */
  username: string;
  /** OpenSSH private key (PEM-like text) authorised for `username`. */
  clientPrivateKey: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it: "SHA256:...". */
  hostKeyFingerprint: string;
  /** A fingerprint of another key: pin it to see a changed host key refused. */
  otherFingerprint: string;
  /** The harness's temp dir (config, keys, log). */
  directory: string;
  /** What sshd wrote on stderr so far (for test failure messages). */
  log(): string;
  close(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** How long to wait for the port to accept connections. @default 15000 */
  startTimeoutMs?: number;
}

/** Starts sshd; fails with a message saying what to install when it is missing. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!sshdAvailable()) throw new Error(`${SSHD_MISSING} to run the SSH tests and simulators`);
  const directory = await mkdtemp(join(tmpdir(), 'sshd-'));
  const hostKey = join(directory, 'host_ed25519');
  const clientKey = join(directory, 'client_ed25519');
  const otherKey = join(directory, 'other_ed25519');
  await Promise.all([keygen(hostKey, 'test-host'), keygen(clientKey, 'test-client'), keygen(otherKey, 'other-host')]);
  const authorizedKeys = join(directory, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`, 'utf8'));
  await chmod(authorizedKeys, 0o600);
  const root = process.getuid?.() === 0;
  if (root) {
    // sshd started by root insists on its privilege separation directory, which Debian creates
    // at boot (tmpfiles.d) and containers often lack.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  }

  let lastError: unknown;
  // A free port is found by binding to 0 and releasing it; another process may take it in
  // between, so a failed start is tried again on a new port.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const config = join(directory, 'sshd_config');
    await writeFile(
      config,
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `PidFile ${join(directory, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'UsePAM no',
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        root ? 'PermitRootLogin prohibit-password' : '',
        'Subsystem sftp internal-sftp',
        'MaxStartups 64',
        'LogLevel INFO',
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
    });
    try {
      await waitForPort(port, child, () => stderr, options.startTimeoutMs ?? 15_000);
    } catch (error) {
      lastError = error;
      child.kill('SIGTERM');
      continue;
    }
    const [hostKeyFingerprint, otherFingerprint, clientPrivateKey] = await Promise.all([
      fingerprintOf(`${hostKey}.pub`),
      fingerprintOf(`${otherKey}.pub`),
      readFile(clientKey, 'utf8'),
    ]);
    return {
      host: '127.0.0.1',
      port,
      username: userInfo().username,
      clientPrivateKey,
      hostKeyFingerprint,
      otherFingerprint,
      directory,
      log: () => stderr,
      close: () => stop(child, directory),
    };
  }
  await rm(directory, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function keygen(path: string, comment: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** "256 SHA256:abc... comment (ED25519)" -> "SHA256:abc...". */
async function fingerprintOf(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]);
  const match = /SHA256:[A-Za-z0-9+/]{43}/.exec(stdout);
  if (!match) throw new Error(`ssh-keygen printed no SHA256 fingerprint for ${publicKeyFile}: ${stdout}`);
  return match[0];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the port accepts a connection; rejects with sshd's own words if it exits first. */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `sshd exited (${signal ?? `code ${code}`})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${exited} before listening on 127.0.0.1:${port}: ${stderr().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${stderr().trim()}`);
}

async function stop(child: ChildProcess, directory: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(directory, { recursive: true, force: true });
}
