import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Log } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { loadConfigFile } from '../../lambdas/config/load';
import { listCommand } from '../../cli/commands/list';
import { restoreCommand } from '../../cli/commands/restore';
import { runCommand } from '../../cli/commands/run';
import { startEmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { capture, npmV1Device } from './support/restore-harness';

/**
 * A whole local backup and restore with a unique password (the canary): it must appear nowhere
 * the runner writes: step logs (debug level), CLI output and stderr, every state's input and
 * output (aws-local-stepfunctions event log), the results, the manifests, the objects' metadata
 * and tags in S3.
 */
const CANARY = `canary-${randomUUID()}`;
const SECRET = 'backup-runner/ar11';

/** Records every log call as JSON, errors with message, stack and cause. */
function capturingLog(into: string[]): Log {
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    into.push(JSON.stringify({ level, message, extra }, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, cause: v.cause } : v)));
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

let dir: string;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let sim: NpmV1Simulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canary-'));
  s3 = await startEmbeddedS3({ directory: join(dir, 's3'), buckets: [] });
  sim = await startNpmV1Simulator({ tls: true, password: CANARY, backupSize: 300 * 1024 + 7, backupDurationMs: 100, rebootMs: 1000, seed: 42 });
});
afterAll(async () => {
  await sim?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the device password never leaves the secret store', () => {
  it('is in no log, output, state payload, result, manifest or object metadata of a backup and a restore', async () => {
    const bucket = 'canary';
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    const configFile = join(dir, 'config.json');
    const secretsFile = join(dir, 'secrets.json');
    await writeFile(configFile, JSON.stringify({ archive: { bucket, prefix: 'backups/', s3: { endpoint: s3.endpoint } }, devices: [npmV1Device('ar11', sim, { secret: SECRET })] }));
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: { username: 'admin', password: CANARY } }));
    const config = loadConfigFile(configFile);
    const secrets = staticSecretSource({ [SECRET]: { username: 'admin', password: CANARY } });
    const archive = { bucket, s3: s3.client };
    const logs: string[] = [];
    const events: string[] = [];
    const onEvent = (event: unknown) => events.push(JSON.stringify(event));

    // The state machines, in-process, with a capturing log and their event logs.
    const [backup] = await runBackupsLocally({ config, secrets, archive, log: capturingLog(logs), onEvent });
    expect(backup, JSON.stringify(backup)).toMatchObject({ status: 'SUCCEEDED' });
    const restored = await runRestoreLocally({ config, input: { deviceId: 'ar11', selector: { latest: true }, force: false, dryRun: false }, secrets, archive, log: capturingLog(logs), onEvent });
    expect(restored, JSON.stringify(restored)).toMatchObject({ status: 'SUCCEEDED', state: { status: 'completed' } });
    await vi.waitFor(() => expect(events.some((e) => e.includes('ExecutionSucceeded') || e.includes('"ExecutionSucceeded"'))).toBe(true), { timeout: 5000 });

    // The CLI: run, list and a confirmed restore, everything they print, stderr at debug level too.
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (stderr.push(String(chunk)), true));
    const outputs: string[] = [];
    try {
      for (const command of [
        (out: NodeJS.WritableStream) => runCommand({ config: configFile, secrets: secretsFile, verbose: true }, out),
        (out: NodeJS.WritableStream) => runCommand({ config: configFile, secrets: secretsFile, json: true }, out),
        (out: NodeJS.WritableStream) => listCommand({ config: configFile, json: true }, out, out),
        (out: NodeJS.WritableStream) => restoreCommand({ config: configFile, secrets: secretsFile, device: 'ar11', latest: true, confirm: 'ar11', verbose: true }, out, out),
        (out: NodeJS.WritableStream) => restoreCommand({ config: configFile, secrets: secretsFile, device: 'ar11', latest: true, json: true }, out, out),
      ]) {
        const out = capture();
        const code = await command(out.stream);
        outputs.push(out.text());
        expect([0, 3], out.text()).toContain(code);
      }
    } finally {
      spy.mockRestore();
    }
    expect(outputs.join('')).toContain('RESTORED ar11');

    // What S3 holds: manifests in full, every object's metadata and tags.
    const listed = (await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    const stored: string[] = [];
    for (const { Key } of listed) {
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      stored.push(JSON.stringify({ Key, metadata: head.Metadata, contentType: head.ContentType, disposition: head.ContentDisposition }));
      const tags = await s3.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key })).catch(() => undefined);
      if (tags) stored.push(JSON.stringify(tags.TagSet));
      if (Key!.endsWith('.manifest.json')) stored.push(await (await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString());
    }

    // The haystacks are real: they hold the run's facts, and the canary was the password in use.
    // One backup in-process and two through `run`.
    expect(listed.filter((o) => o.Key!.endsWith('.manifest.json'))).toHaveLength(3);
    expect(stored.join('\n')).toContain(backup!.sha256!);
    expect(logs.length).toBeGreaterThan(5);
    expect(events.join('\n')).toContain(backup!.key!);
    expect(events.join('\n')).toContain('TransferToArchive');
    expect(stderr.join('')).toContain('archive:');
    expect(await readFile(secretsFile, 'utf8')).toContain(CANARY);

    const haystacks = {
      logs: logs.join('\n'),
      stepEvents: events.join('\n'),
      results: JSON.stringify([backup, restored]),
      cliOutput: outputs.join('\n'),
      cliStderr: stderr.join(''),
      s3: stored.join('\n'),
    };
    for (const [where, text] of Object.entries(haystacks)) expect(text.includes(CANARY), `the canary appears in ${where}`).toBe(false);
  });
});
