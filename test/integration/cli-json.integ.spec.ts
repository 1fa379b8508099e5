import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../cli/main';
import { statusSchema } from '../../cli/conventions/status';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator, type StorwareSimulator } from '../../simulators/storware';
import { capturedIo } from './support/cli-io';
import { useEmbeddedS3 } from './support/file-fixture';
import { npmV1Device } from './support/restore-harness';

/**
 * Every subcommand with --json, through main() as a user runs it: stdout must be nothing but JSON
 * (one object per line), every `status` in the one shared vocabulary (cli/conventions/status.ts).
 * Local commands run against simulators and s3rver; the deployed-stack commands against mocked
 * AWS clients (there is no AWS here).
 */

const s3 = useEmbeddedS3('cli-json-');
let dir: string;
let npm: NpmV1Simulator;
let storware: StorwareSimulator;
let config: string;
let secrets: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-json-'));
  npm = await startNpmV1Simulator({ tls: true, backupSize: 96 * 1024, backupDurationMs: 100, rebootMs: 300 });
  storware = await startStorwareSimulator({ tls: true });
  config = join(dir, 'devices.yaml');
  secrets = join(dir, 'secrets.json');
  const devices = [
    npmV1Device('ar11', npm),
    {
      id: 'storware-prod',
      type: 'storware',
      url: storware.url,
      secret: 'backup-runner/storware',
      tls: { fingerprint256: storware.fingerprint256 },
      protectedEntities: DEFAULT_STORWARE_ENTITIES.map((e) => e.guid),
      poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
    },
  ];
  // JSON is YAML: the file is named .yaml so it is read as YAML, the way most configs are.
  await writeFile(config, JSON.stringify({ archive: { bucket: 'cli-json', prefix: 'backups/', s3: { endpoint: s3.endpoint } }, devices }));
  await writeFile(secrets, JSON.stringify({ 'backup-runner/ar11': { username: 'admin', password: 'admin' }, 'backup-runner/storware': { login: 'admin', password: 'vPr0tect' } }));
});
afterAll(async () => {
  await npm?.close();
  await storware?.close();
  await rm(dir, { recursive: true, force: true });
});

const io = () => capturedIo(dir);

const ran = new Set<string>();

/** Runs `backup-runner <argv> --json`; stdout must parse as JSON lines, each status in the vocabulary. */
async function runJson(name: string, argv: string[]): Promise<{ code: number; objects: Array<Record<string, unknown>>; err: string }> {
  const streams = io();
  const code = await main([...argv, '--json'], streams.io);
  const lines = streams.out().split('\n').filter((l) => l !== '');
  expect(lines.length, `${name}: no JSON on stdout; stderr: ${streams.err()}`).toBeGreaterThan(0);
  const objects = lines.map((line) => {
    let value: unknown;
    expect(() => (value = JSON.parse(line)), `${name}: not JSON: ${line}`).not.toThrow();
    expect(typeof value === 'object' && value !== null && !Array.isArray(value), `${name}: ${line}`).toBe(true);
    return value as Record<string, unknown>;
  });
  for (const object of objects) {
    if ('status' in object) expect(statusSchema.safeParse(object.status).success, `${name}: status ${String(object.status)} is not in the vocabulary`).toBe(true);
  }
  ran.add(name);
  return { code, objects, err: streams.err() };
}

/** The leaf commands of the program, as "stack list" etc. */
function leafCommands(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return c.commands.length ? leafCommands(c, `${name} `) : [name];
  });
}

describe('every subcommand with --json prints only JSON on stdout', () => {
  it('local commands: run, list, verify, prune, restore (plan and confirmed), drill, audit, schedule preview', async () => {
    const run = await runJson('run', ['run', '--config', config, '--secrets', secrets, '--device', 'ar11']);
    expect(run.code).toBe(0);
    expect(run.objects).toEqual([expect.objectContaining({ device: 'ar11', status: 'SUCCEEDED', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);

    const list = await runJson('list', ['list', '--config', config]);
    expect(list.objects).toEqual([expect.objectContaining({ device: 'ar11', sha256: run.objects[0]!.sha256 })]);

    const verify = await runJson('verify', ['verify', '--config', config]);
    expect(verify.code).toBe(0);
    expect(verify.objects.map((o) => o.status)).toEqual(['OK', 'OK']);

    const prune = await runJson('prune', ['prune', '--config', config, '--dry-run']);
    expect(prune.objects.map((o) => [o.device, o.status])).toEqual([
      ['ar11', 'PLANNED'],
      ['storware-prod', 'PLANNED'],
    ]);

    const plan = await runJson('restore', ['restore', '--config', config, '--secrets', secrets, '--device', 'ar11', '--latest']);
    expect(plan.code).toBe(3);
    expect(plan.objects).toEqual([expect.objectContaining({ status: 'PLANNED', key: list.objects[0]!.key })]);
    expect(plan.err).not.toContain('Not confirmed'); // in the document, not on stderr
    const restored = await runJson('restore', ['restore', '--config', config, '--secrets', secrets, '--device', 'ar11', '--latest', '--confirm', 'ar11']);
    expect(restored.code).toBe(0);
    expect(restored.objects).toEqual([expect.objectContaining({ status: 'RESTORED' })]);

    const drill = await runJson('drill', ['drill', '--config', config, '--secrets', secrets, '--device', 'ar11']);
    expect(drill.objects).toEqual([expect.objectContaining({ status: 'RESTORED', drill: true })]);

    const report = await runJson('report', ['report', '--config', config]);
    expect(report.code).toBe(0);
    expect(report.objects).toEqual([expect.objectContaining({ schemaVersion: 1, summary: expect.objectContaining({ devices: 2 }) })]);

    const audit = await runJson('audit', ['audit', '--config', config, '--secrets', secrets, '--device', 'storware-prod', '--max-age-hours', '24']);
    expect(audit.objects).toEqual([expect.objectContaining({ device: 'storware-prod', status: expect.stringMatching(/^(OK|STALE)$/) })]);

    const preview = await runJson('schedule preview', ['schedule', 'preview', '--rrule', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', '--tz', 'UTC', '--from', '2026-03-01', '--count', '2']);
    expect(preview.objects).toEqual([expect.objectContaining({ status: 'OK', occurrences: ['2026-03-01T02:00:00Z', '2026-03-02T02:00:00Z'] })]);
  }, 240_000);

  it('demo', async () => {
    const demo = await runJson('demo', ['demo']);
    expect(demo.code).toBe(0);
    expect(demo.objects.filter((o) => o.restore !== true).every((o) => o.status === 'SUCCEEDED' && o.readBack === 'OK')).toBe(true);
    expect(demo.objects.at(-1)).toMatchObject({ restore: true, status: 'RESTORED' });
  }, 240_000);

  describe('commands against a deployed stack (mocked AWS clients)', () => {
    const NOW = new Date();
    const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Backup';
    const RSM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Restore';
    let mocks: Array<{ restore(): void }> = [];
    let archived: { Key: string; Size: number; body: string }[] = [];
    beforeAll(async () => {
      // The deployed archive holds what the local run above archived: read it before S3Client is mocked.
      const listed = (await s3.client.send(new ListObjectsV2Command({ Bucket: 'cli-json' }))).Contents ?? [];
      archived = await Promise.all(
        listed.map(async (o) => ({ Key: o.Key!, Size: o.Size ?? 0, body: await (await s3.client.send(new GetObjectCommand({ Bucket: 'cli-json', Key: o.Key! }))).Body!.transformToString() })),
      );
      const cf = mockClient(CloudFormationClient);
      const sfn = mockClient(SFNClient);
      const awsS3 = mockClient(S3Client);
      mocks = [cf, sfn, awsS3];
      const outputs = { ArchiveBucketName: 'cli-json', ArchivePrefix: 'backups/', BackupStateMachineArn: SM, RestoreStateMachineArn: RSM };
      cf.on(DescribeStacksCommand).resolves({
        Stacks: [{ StackName: 'BackupRunner', StackStatus: 'CREATE_COMPLETE', CreationTime: NOW, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
      });
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
      sfn.on(ListExecutionsCommand).resolves({ executions: [] });
      sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: NOW, stopDate: NOW, output: JSON.stringify({ backup: { key: 'backups/ar11/k.tar.gz' }, checks: [] }) } as never);
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
      awsS3.on(ListObjectsV2Command).resolves({ Contents: archived.map((o) => ({ Key: o.Key, Size: o.Size, StorageClass: 'STANDARD', LastModified: NOW })) });
      for (const o of archived) awsS3.on(GetObjectCommand, { Key: o.Key }).resolves({ Body: { transformToString: async () => o.body } as never });
    });
    afterAll(() => mocks.forEach((m) => m.restore()));

    const stackArgs = ['--region', 'eu-west-1'];
    it.each([
      ['backup-now', ['backup-now', '--device', 'ar11', ...stackArgs], 'STARTED'],
      ['stack backup-now', ['stack', 'backup-now', '--device', 'ar11', ...stackArgs], 'STARTED'],
      ['status', ['status', '--config', 'CONFIG', ...stackArgs], 'OK'],
      ['stack status', ['stack', 'status', '--config', 'CONFIG', ...stackArgs], 'OK'],
      ['stack restore', ['stack', 'restore', '--device', 'ar11', '--latest', ...stackArgs], 'PLANNED'],
    ])('%s', async (name, argv, status) => {
      const result = await runJson(name, argv.map((a) => (a === 'CONFIG' ? config : a)));
      expect(result.objects[0]).toMatchObject({ status });
    });

    it('stack list', async () => {
      const list = await runJson('stack list', ['stack', 'list', ...stackArgs]);
      expect(list.code).toBe(0);
      expect(list.objects).toEqual([expect.objectContaining({ device: 'ar11', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    });
  });

  it('drove every leaf command of the program', () => {
    const all = leafCommands(buildProgram(() => undefined));
    expect([...ran].sort()).toEqual(all.filter((c) => c !== 'help').sort());
  });
});
