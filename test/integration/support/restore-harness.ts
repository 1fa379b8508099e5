import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { silentLog } from '../../../lambdas/common/log';
import { staticSecretSource } from '../../../lambdas/common/secrets';
import { parseConfig } from '../../../lambdas/config/load';
import type { RunnerConfig } from '../../../lambdas/config/schema';
import { runBackupsLocally, type LocalRunResult } from '../../../cli/local/run-backups';
import type { NpmV1Simulator } from '../../../simulators/riverbed-npm-v1';
import type { S3Client } from '@aws-sdk/client-s3';

/** Fast polling through the simulator's reboot: one-second polls, a one-minute reboot window. */
export const FAST_RESTORE_POLL = { intervalSeconds: 1, maxIntervalSeconds: 1, rebootWindowMinutes: 1, timeoutMinutes: 5 };

export interface RestoreFixture {
  configFile: string;
  secretsFile: string;
  config: RunnerConfig;
}

/** An npm.backup 1.0 device entry for a simulator, pinned by fingerprint, with fast polls. */
export function npmV1Device(id: string, sim: NpmV1Simulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: 'riverbed-npm-v1',
    url: sim.url,
    secret: `backup-runner/${id}`,
    tls: { fingerprint256: sim.fingerprint256 },
    poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
    restorePoll: FAST_RESTORE_POLL,
    timeouts: { connectSeconds: 2, idleSeconds: 10 },
    ...extra,
  };
}

/** Writes the config and secrets files the CLI commands read, for devices on one archive endpoint. */
export async function writeFixture(dir: string, archive: Record<string, unknown>, devices: Array<Record<string, unknown>>): Promise<RestoreFixture> {
  const raw = { archive, devices };
  const configFile = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const secretsFile = join(dir, `secrets-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(configFile, JSON.stringify(raw));
  const secrets = Object.fromEntries(devices.map((d) => [d.secret as string, secretValue(d)]));
  await writeFile(secretsFile, JSON.stringify(secrets));
  return { configFile, secretsFile, config: parseConfig(raw) };
}

function secretValue(device: Record<string, unknown>): Record<string, string> {
  return device.type === 'storware' ? { login: 'admin', password: 'admin' } : { username: 'admin', password: 'admin' };
}

/** One backup of a device through the local backup state machine. */
export async function backUp(fixture: RestoreFixture, deviceId: string, archive: { bucket: string; s3: S3Client }): Promise<LocalRunResult> {
  const secrets = staticSecretSource(Object.fromEntries(fixture.config.devices.map((d) => [d.secret, secretValue(d as unknown as Record<string, unknown>)])));
  const [result] = await runBackupsLocally({ config: fixture.config, deviceIds: [deviceId], secrets, archive, log: silentLog });
  if (result?.status !== 'SUCCEEDED') throw new Error(`backup of ${deviceId} failed: ${result?.error} ${result?.cause}`);
  return result;
}

/** A writable that keeps what a command prints. */
export function capture(): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
