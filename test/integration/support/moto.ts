import { S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * moto_server (moto 5.2, Python) on 127.0.0.1 with an OS-chosen port, for tests of what s3rver
 * cannot do: versions, Object Lock, checksums, tags, storage classes. One server per test file;
 * give each test its own bucket.
 *
 * moto 5.2 as installed here, checked: it stores the checksum the client sends with PutObject and
 * UploadPart as it is, but computes the full-object value of a multipart upload itself, and
 * without the optional `awscrt` Python package it computes CRC32 in place of CRC64NVME and CRC32C
 * (a 4-byte value under the x-amz-checksum-crc64nvme header). CompleteMultipartUpload answers with
 * no checksum. It implements Object Lock (default retention, refused version deletes, governance
 * bypass) but not GetObjectRetention, which answers with the object's body; HeadObject shows the
 * lock (ObjectLockMode, ObjectLockRetainUntilDate). Uploads into a bucket with default retention
 * need Content-MD5 or a checksum, as in S3.
 */
export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A new client for this server (path style, us-east-1, dummy credentials, checksums only when asked). */
  client(): S3Client;
  close(): Promise<void>;
}

/** The moto_server executable on PATH, or undefined when it is not installed. */
export function findMotoServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Whether the moto tests can run. When they cannot, says so once on stderr, so a skipped file
 * is visible in the test output rather than silently green.
 */
export function motoAvailable(suite: string): boolean {
  const found = findMotoServer() !== undefined;
  if (!found) process.stderr.write(`SKIPPED ${suite}: moto_server is not on PATH (pip install 'moto[server]' to run these tests)\n`);
  return found;
}

const STARTUP_MS = 30_000;

/** Starts moto_server on a free loopback port; resolves once it accepts requests. */
export async function startMoto(): Promise<MotoServer> {
  const executable = findMotoServer();
  if (!executable) throw new Error('moto_server is not on PATH');
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await announcedPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client() {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        // Checksums only where a request asks for one, as the runner's local clients do; moto's
        // CRC32-for-CRC64NVME fallback would otherwise fail response validation.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      clients.push(client);
      return client;
    },
    async close() {
      clients.forEach((c) => c.destroy());
      await stop(child);
    },
  };
}

/** Werkzeug prints `Running on http://127.0.0.1:<port>` on stderr once the socket listens. */
function announcedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`moto_server did not start within ${STARTUP_MS / 1000} s:\n${output}`)), STARTUP_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('error', fail);
        child.off('exit', onExit);
        // Keep draining, so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onExit = (code: number | null) => fail(new Error(`moto_server exited with ${code} before it listened:\n${output}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
