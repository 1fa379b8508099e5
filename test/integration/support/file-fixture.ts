import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../cli/local/embedded-s3';
import { startSshd, type Sshd } from '../../../simulators/common/sshd';
import { SSHD_AVAILABLE } from '../../support/sshd';

/**
 * Something a whole test file shares (a server): started in beforeAll, closed in afterAll. The
 * returned handle stands for the started value, so a file declares it in one line and reads it as
 * before (`sshd.port`); reading it outside the file's tests and hooks throws.
 */
export function useForFile<T extends { close(): Promise<void> }>(start: () => Promise<T>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    await value?.close();
    value = undefined;
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (value === undefined) throw new Error(`a file fixture was read outside the file's tests (property ${String(key)})`);
      const property: unknown = Reflect.get(value, key);
      return typeof property === 'function' ? (property as (...args: unknown[]) => unknown).bind(value) : property;
    },
  });
}

/** An s3rver in a temp directory of its own, for the whole file; give each test its own bucket. */
export interface ScratchS3 extends EmbeddedS3 {
  /** The temp directory (s3rver keeps its data in `s3/` below it); tests may put their own files here too. */
  directory: string;
}

export function useEmbeddedS3(prefix: string): ScratchS3 {
  return useForFile(async () => {
    const directory = await mkdtemp(join(tmpdir(), prefix));
    const s3 = await startEmbeddedS3({ directory: join(directory, 's3'), buckets: [] });
    return {
      directory,
      endpoint: s3.endpoint,
      client: s3.client,
      close: async () => {
        await s3.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  });
}

/**
 * A real OpenSSH sshd (simulators/common/sshd.ts) for the whole file. Where sshd is not installed
 * nothing is started: the file's SSH tests are skipped (test/support/sshd.ts) and never read it.
 */
export function useSshd(): Sshd {
  if (!SSHD_AVAILABLE) return new Proxy({} as Sshd, { get: (_t, key) => { throw new Error(`sshd is not installed; a test that reads sshd.${String(key)} must be skipped (describeWithSshd)`); } });
  return useForFile(() => startSshd());
}
