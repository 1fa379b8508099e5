import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stderrLog, type Log } from '../../lambdas/common/log';
import { parseConfig } from '../../lambdas/config/load';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { loadConfigFile } from '../../lambdas/config/load';
import { listCommand } from '../../cli/commands/list';
import { restoreCommand } from '../../cli/commands/restore';
import { jsonLine, resultTable, runCommand } from '../../cli/commands/run';
import { startEmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { runRestoreLocally } from '../../cli/local/run-restore';
import { startHostileFront, type ErrorDocumentStyle, type HostileRule } from '../../simulators/common/hostile-front';
import { startQRadarSimulator } from '../../simulators/qradar';
import { startFlowGatewaySimulator } from '../../simulators/riverbed-flow-gateway';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { startNpmV2Simulator } from '../../simulators/riverbed-npm-v2';
import { startStorwareSimulator } from '../../simulators/storware';
import { itWithSshd } from '../support/sshd';
import { useSshd } from './support/file-fixture';
import { fastRunOverrides } from './support/local-run';
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

/**
 * Every device type, every secret field holding a canary, through the failures that echo the
 * request back: a 400 whose error text is the whole request (400 KiB of it), a 401 that quotes the
 * credentials, 503s echoing the request on every retry, and an SSH login that fails. Each run goes
 * through the local state machine (the deployed definition, the real steps behind runGuardedStep);
 * the canary must be nowhere: what `run` prints (stdout), stderr at debug level, the step logs,
 * every event of the execution, the archive's objects, manifests and their metadata.
 */
describe('no secret on any failing path, for every device type', () => {
  const RUN = `canary-${randomUUID()}`;
  /** The secret value of `field`: every field holds the canary. */
  const canary = (field: string) => `${RUN}-${field}`;
  const sshd = useSshd();
  let work: string;
  let s3e: Awaited<ReturnType<typeof startEmbeddedS3>>;
  /** A private key this run's sshd does not accept, encrypted with a canary passphrase. */
  let strangerKey: string;
  let bucketCount = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'canary-matrix-'));
    s3e = await startEmbeddedS3({ directory: join(work, 's3'), buckets: [] });
    // Generated here, not by sshd: the key is a secret of the run whether or not sshd is installed.
    strangerKey = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: canary('passphrase'), cipher: 'aes256-ctr', rounds: 4 }).private;
  });
  afterAll(async () => {
    await s3e?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The lines of the stranger key's body: each is a canary of its own. */
  const keyLines = () => strangerKey.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

  type Failure = 'echo-400' | 'quote-401' | 'echo-503' | 'ssh-auth';
  interface DeviceType {
    type: string;
    /** Has an SSH side (landing host, console, filer): needs the real sshd. */
    ssh: boolean;
    /** What the front faults for 400 and 401: the request that carries the secret. */
    secretRequest: { method: string; path: RegExp };
    document: ErrorDocumentStyle;
    /** The error each failure ends in. */
    expected: Partial<Record<Failure, string>>;
    start: (failure: Failure) => Promise<{ upstream: string; device: Record<string, unknown>; secrets: Record<string, unknown>; close: () => Promise<void> }>;
  }

  const fast = { poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 1 }, timeouts: { connectSeconds: 2, idleSeconds: 5 } };
  const landingDir = async () => mkdtemp(join(work, 'landing-'));

  const TYPES: DeviceType[] = [
    {
      type: 'riverbed-npm-v1',
      ssh: false,
      secretRequest: { method: 'POST', path: /\/api\/mgmt\.aaa\/[\d.]+\/token$/ },
      document: 'riverbed',
      expected: { 'echo-400': 'DeviceRejectedRequest', 'quote-401': 'AuthenticationFailed', 'echo-503': 'DeviceUnreachable' },
      start: async () => {
        const sim = await startNpmV1Simulator({ tls: true, password: canary('password'), backupDurationMs: 100, seed: 3 });
        return { upstream: sim.url, device: { type: 'riverbed-npm-v1' }, secrets: { username: 'admin', password: canary('password') }, close: () => sim.close() };
      },
    },
    {
      type: 'riverbed-flow-gateway',
      ssh: true,
      secretRequest: { method: 'POST', path: /\/api\/mgmt\.gateway_backup\/1\.0\/backup$/ },
      document: 'riverbed',
      expected: { 'echo-400': 'DeviceRejectedRequest', 'quote-401': 'AuthenticationFailed', 'echo-503': 'DeviceUnreachable', 'ssh-auth': 'AuthenticationFailed' },
      start: async () => {
        const path = await landingDir();
        const sim = await startFlowGatewaySimulator({
          tls: true,
          password: canary('password'),
          landing: { host: sshd.host, username: sshd.username, password: canary('landing-password') },
          backupSize: 64 * 1024,
          backupDurationMs: 100,
          seed: 4,
        });
        return {
          upstream: sim.url,
          device: { type: 'riverbed-flow-gateway', landing: { host: sshd.host, port: sshd.port, path, hostKey: sshd.hostKeyFingerprint, secret: 'backup-runner/landing' } },
          secrets: { username: 'admin', password: canary('password'), securityPassword: canary('securityPassword') },
          close: () => sim.close(),
        };
      },
    },
    {
      type: 'qradar',
      ssh: true,
      secretRequest: { method: 'POST', path: /\/api\/backup_and_restore\/backups$/ },
      document: 'qradar',
      expected: { 'echo-400': 'DeviceRejectedRequest', 'quote-401': 'AuthenticationFailed', 'echo-503': 'DeviceUnreachable', 'ssh-auth': 'AuthenticationFailed' },
      start: async () => {
        const backupDirectory = await landingDir();
        const sim = await startQRadarSimulator({ token: canary('token'), backupDirectory, backupSize: 64 * 1024, backupDurationMs: 100, seed: 5 });
        return {
          upstream: sim.url,
          device: { type: 'qradar', backupType: 'CONFIG', ssh: { port: sshd.port, hostKey: sshd.hostKeyFingerprint } },
          secrets: { token: canary('token'), sshUsername: sshd.username, sshPrivateKey: strangerKey, sshPassphrase: canary('passphrase'), sshPassword: canary('sshPassword') },
          close: () => sim.close(),
        };
      },
    },
    {
      type: 'riverbed-npm-v2',
      ssh: true,
      // Creating the missing filer on the device sends it the filer's private key.
      secretRequest: { method: 'POST', path: /\/api\/npm\.backup\/2\.0\/servers$/ },
      document: 'riverbed',
      expected: { 'echo-400': 'DeviceRejectedRequest', 'quote-401': 'AuthenticationFailed', 'echo-503': 'DeviceUnreachable', 'ssh-auth': 'AuthenticationFailed' },
      start: async () => {
        const path = await landingDir();
        const sim = await startNpmV2Simulator({ tls: true, password: canary('password'), backupSize: 64 * 1024, backupDurationMs: 150, seed: 6 });
        return {
          upstream: sim.url,
          device: {
            type: 'riverbed-npm-v2',
            server: { name: 's3-landing', host: sshd.host, port: sshd.port, path, hostKey: sshd.hostKeyFingerprint, secret: 'backup-runner/landing' },
            contents: { configOnly: true },
          },
          secrets: { username: 'admin', password: canary('password') },
          close: () => sim.close(),
        };
      },
    },
    {
      type: 'storware',
      ssh: false,
      secretRequest: { method: 'POST', path: /\/api\/session\/login$/ },
      document: 'storware',
      expected: { 'echo-400': 'DeviceRejectedRequest', 'quote-401': 'AuthenticationFailed', 'echo-503': 'DeviceUnreachable' },
      start: async () => {
        const sim = await startStorwareSimulator({ tls: true, password: canary('password'), exportDurationMs: 100, storeDurationMs: 20 });
        return {
          upstream: sim.url,
          device: { type: 'storware', protectedEntities: [sim.entities[0]!.guid] },
          secrets: { login: 'admin', password: canary('password') },
          close: () => sim.close(),
        };
      },
    },
  ];

  const casesOf = (ssh: boolean) => TYPES.filter((t) => t.ssh === ssh).flatMap((t) => (Object.keys(t.expected) as Failure[]).map((failure) => [t.type, failure, t] as const));
  const title = '%s, %s: the run fails with the echo in its message, scrubbed, and the canary is nowhere';
  it.each(casesOf(false))(title, (type, failure, kit) => failingRun(type, failure, kit));
  itWithSshd.each(casesOf(true))(title, (type, failure, kit) => failingRun(type, failure, kit));

  async function failingRun(type: string, failure: Failure, kit: DeviceType): Promise<void> {
    const started = await kit.start(failure);
    const rules: HostileRule[] =
      failure === 'echo-400'
        ? [{ ...kit.secretRequest, answer: 'echo-400', padding: 400 * 1024 }]
        : failure === 'quote-401'
          ? [{ path: /./, answer: 'quote-401' }]
          : failure === 'echo-503'
            ? [{ path: /./, answer: 'echo-503' }]
            : [];
    const front = await startHostileFront({ upstream: started.upstream, document: kit.document, rules });
    try {
      const bucket = `matrix-${++bucketCount}`;
      await s3e.client.send(new CreateBucketCommand({ Bucket: bucket }));
      const id = `${type.replace('riverbed-', '')}-${failure}`.replace(/[^a-z0-9-]/g, '-').slice(0, 40);
      const config = parseConfig({
        archive: { bucket, prefix: 'backups/' },
        devices: [{ id, url: front.url, secret: 'backup-runner/device', tls: { fingerprint256: front.fingerprint256 }, ...fast, ...started.device }],
      });
      // The landing host or filer account: the key sshd does not know (so ssh-auth fails), a canary password.
      const landing = { username: sshd.username, privateKey: strangerKey, passphrase: canary('passphrase'), password: canary('landing-password') };
      const secrets = staticSecretSource({ 'backup-runner/device': started.secrets, 'backup-runner/landing': landing });

      const logs: string[] = [];
      const events: string[] = [];
      const stderr: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (stderr.push(String(chunk)), true));
      let results: LocalRunResult[];
      try {
        const debug = stderrLog('debug');
        const capture = capturingLog(logs);
        const tee: Log = {
          debug: (m, e) => (capture.debug(m, e), debug.debug(m, e)),
          info: (m, e) => (capture.info(m, e), debug.info(m, e)),
          warn: (m, e) => (capture.warn(m, e), debug.warn(m, e)),
          error: (m, e) => (capture.error(m, e), debug.error(m, e)),
        };
        results = await runBackupsLocally({
          config,
          secrets,
          archive: { bucket, s3: s3e.client },
          log: tee,
          onEvent: (event) => events.push(JSON.stringify(event)),
          overrides: fastRunOverrides(30, { PruneArchive: 20 }),
        });
        await vi.waitFor(() => expect(events.some((e) => e.includes('"ExecutionFailed"') || e.includes('"ExecutionSucceeded"'))).toBe(true), { timeout: 5000 });
      } finally {
        spy.mockRestore();
      }
      const [result] = results;
      // What `run` prints on stdout for this result, as a table and as --json.
      const stdout = `${resultTable(results)}\n${results.map((r) => JSON.stringify(jsonLine(r))).join('\n')}`;

      // The failure path really ran: the expected error, and the device's echo reached the message.
      expect(result, JSON.stringify(result)).toMatchObject({ status: 'FAILED', error: kit.expected[failure] });
      if (failure !== 'ssh-auth') {
        expect(front.faulted().length).toBeGreaterThan(0);
        expect(result!.cause).toMatch(/cannot handle request|invalid credentials/);
        expect(result!.cause).toContain('[redacted]');
      }
      if (failure === 'echo-400') expect(result!.cause).toMatch(/\.\.\.\[cut \d+ characters\]/);
      expect(result!.cause!.length).toBeLessThan(2200);
      expect(events.join('\n')).toContain('ExecutionFailed');

      const stored = await archiveContents(s3e.client, bucket);
      const haystacks = { stdout, stderr: stderr.join(''), logs: logs.join('\n'), events: events.join('\n'), archive: stored };
      expect(haystacks.stderr.length).toBeGreaterThan(0);
      for (const [where, text] of Object.entries(haystacks)) {
        expect(text.includes(RUN), `the canary appears in ${where}: ${excerptAround(text, RUN)}`).toBe(false);
        for (const line of keyLines()) expect(text.includes(line), `a line of the private key appears in ${where}`).toBe(false);
        expect(text.includes(Buffer.from(`admin:${canary('password')}`).toString('base64')), `Basic credentials appear in ${where}`).toBe(false);
      }
    } finally {
      await front.close();
      await started.close();
    }
  }
});

/** Every object, its metadata and tags, and the manifests' text, of a bucket. */
async function archiveContents(client: S3Client, bucket: string): Promise<string> {
  const listed = (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
  const stored: string[] = [];
  for (const { Key } of listed) {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    stored.push(JSON.stringify({ Key, metadata: head.Metadata, contentType: head.ContentType }));
    stored.push(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString('latin1'));
  }
  return stored.join('\n');
}

function excerptAround(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return at < 0 ? '' : text.slice(Math.max(0, at - 200), at + 100);
}
