import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveKey } from '../../lambdas/archive/keys';
import { RUNNER_VERSION, writeManifest } from '../../lambdas/archive/manifest';
import { silentLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { DEFAULT_GRACE_HOURS, expectedOccurrence } from '../../lambdas/report/expected-backup';
import { occurrencesBetween, parseSchedule } from '../../lambdas/schedule';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';
import { runBackupsLocally, type LocalRunResult } from '../../cli/local/run-backups';
import { backupHistoryLine, localRunHistory, type HistoryLine, type LocalRunHistory } from '../../cli/local/run-history';
import { startNpmV1Simulator, type NpmV1Simulator } from '../../simulators/riverbed-npm-v1';

/**
 * A demo-like fleet for the report tests: the demo's device types and ids in an embedded s3rver,
 * with weeks of committed backups (objects and real manifests in the archive layout) and this
 * machine's run history, plus today's runs made for real through the synthesized state machine
 * against the npm.backup 1.0 simulator (one succeeds, one is refused its login). What the report
 * must find:
 *
 * | device        | type                  | state       | why                                                   |
 * |---------------|-----------------------|-------------|-------------------------------------------------------|
 * | ar11-demo     | riverbed-npm-v1       | on-time     | backed up now (a real run); a drill 5 days ago        |
 * | ar12-demo     | riverbed-npm-v2       | late        | newest backup 4 days old, one skipped occurrence      |
 * | ar13-demo     | riverbed-npm-v1       | failing     | today's real run refused (AuthenticationFailed)       |
 * | qradar-demo   | qradar                | missing     | never backed up; every run failed                     |
 * | fg-demo       | riverbed-flow-gateway | on-time     | newest copy far smaller than the ones before (a drop) |
 * | storware-demo | storware              | unscheduled | on demand only                                        |
 */

export const FLEET_BUCKET = 'report-demo';
const PREFIX = 'backups/';
const DAILY = { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' };
const DAY = 86_400_000;
const FAST = {
  waitTimeOverrides: { WaitForDevice: 20 },
  retryIntervalOverrides: { StartBackup: 20, PollBackup: 20, TransferToArchive: 20, DeleteDeviceCopy: 20, PruneArchive: 20 },
};
const LANDING = { host: '127.0.0.1', port: 2222, path: '/srv/landing', hostKey: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s', secret: 'backup-runner/landing' };

export interface ReportFleet {
  dir: string;
  configFile: string;
  history: LocalRunHistory;
  s3: EmbeddedS3;
  /** The time the fleet was made: what the report is built at. */
  now: Date;
  realRuns: LocalRunResult[];
  close(): Promise<void>;
}

export async function startReportFleet(): Promise<ReportFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'report-fleet-'));
  const s3 = await startEmbeddedS3({ directory: join(dir, 's3'), buckets: [FLEET_BUCKET] });
  let sim: NpmV1Simulator | undefined;
  try {
    sim = await startNpmV1Simulator({ tls: true, backupSize: 48 * 1024 + 7, backupDurationMs: 50, seed: 11, hostname: 'ar11-demo' });
    const npmV1 = (id: string, secret: string) => ({
      id,
      type: 'riverbed-npm-v1',
      url: sim!.url,
      secret,
      tls: { fingerprint256: sim!.fingerprint256 },
      poll: { intervalSeconds: 1, maxIntervalSeconds: 1, timeoutMinutes: 5 },
      schedule: DAILY,
    });
    const raw = {
      archive: { bucket: FLEET_BUCKET, prefix: PREFIX, s3: { endpoint: s3.endpoint } },
      devices: [
        npmV1('ar11-demo', 'backup-runner/ar11-demo'),
        { id: 'ar12-demo', type: 'riverbed-npm-v2', url: 'https://127.0.0.1:9', secret: 'backup-runner/ar12-demo', server: { name: 'landing', ...LANDING }, schedule: DAILY },
        npmV1('ar13-demo', 'backup-runner/ar13-demo'),
        { id: 'qradar-demo', type: 'qradar', url: 'https://127.0.0.1:9', secret: 'backup-runner/qradar-demo', backupType: 'CONFIG', ssh: { port: 2222, hostKey: LANDING.hostKey }, schedule: DAILY },
        { id: 'fg-demo', type: 'riverbed-flow-gateway', url: 'https://127.0.0.1:9', secret: 'backup-runner/fg-demo', landing: LANDING, schedule: DAILY },
        { id: 'storware-demo', type: 'storware', url: 'https://127.0.0.1:9', secret: 'backup-runner/storware-demo', protectedEntities: ['0f2a6c1e-1111-2222-3333-444455556666'] },
      ],
    };
    const configFile = join(dir, 'fleet.json');
    await writeFile(configFile, JSON.stringify(raw, null, 2));
    const config = parseConfig(raw);
    const now = new Date();
    const history = localRunHistory(join(dir, 'state'));
    // Up to the occurrence the report expects a backup for by now, whatever the time of day.
    const schedule = parseSchedule(DAILY.rrule, DAILY.timezone);
    const expected = expectedOccurrence(schedule, now, DEFAULT_GRACE_HOURS * 3_600_000)!;
    const occurrences = occurrencesBetween(schedule, new Date(now.getTime() - 45 * DAY), new Date(expected.getTime() + 1));
    const lines: HistoryLine[] = [];
    const seed = async (deviceId: string, type: string, times: readonly Date[], sizeOf: (i: number) => number) => {
      for (const [i, occurrence] of times.entries()) {
        const at = new Date(occurrence.getTime() + 3 * 60_000);
        await seedCopy(s3.client, { deviceId, type, occurrence, at, size: sizeOf(i) });
        lines.push({ kind: 'backup', device: deviceId, executionName: `${deviceId}-${stamp(occurrence)}`, status: 'SUCCEEDED', startedAt: at.toISOString(), occurrence: occurrence.toISOString() });
      }
    };
    const failed = (deviceId: string, occurrence: Date, error: string, cause: string): HistoryLine => ({
      kind: 'backup',
      device: deviceId,
      executionName: `${deviceId}-${stamp(occurrence)}`,
      status: 'FAILED',
      startedAt: new Date(occurrence.getTime() + 60_000).toISOString(),
      occurrence: occurrence.toISOString(),
      error,
      cause,
    });
    const wobble = (base: number) => (i: number) => Math.round(base * (1 + 0.08 * Math.sin(i / 2) + i / 200));

    // ar11-demo: every day but two that failed; today's backup is a real run below; a drill 5 days ago.
    const ar11Fails = new Set([10, 23]);
    await seed('ar11-demo', 'riverbed-npm-v1', occurrences.filter((_, i) => !ar11Fails.has(i)), wobble(40_000));
    for (const i of ar11Fails) lines.push(failed('ar11-demo', occurrences[i]!, 'DeviceBusy', 'ar11-demo: another backup is running on the device (HTTP 409)'));
    lines.push({ kind: 'restore', device: 'ar11-demo', target: 'ar11-demo', executionName: `ar11-demo-restore-${stamp(new Date(now.getTime() - 5 * DAY))}`, status: 'SUCCEEDED', startedAt: new Date(now.getTime() - 5 * DAY).toISOString(), drill: true, recoveryMs: 204_000, withErrors: false, key: null });
    // ar12-demo: nothing for the last four occurrences; one of them skipped (the one before was still running).
    await seed('ar12-demo', 'riverbed-npm-v2', occurrences.slice(0, -4), wobble(90_000));
    const skipped = occurrences[occurrences.length - 3]!;
    lines.push({ kind: 'skip', device: 'ar12-demo', occurrence: skipped.toISOString(), at: new Date(skipped.getTime() + 5 * 60_000).toISOString(), reason: 'running', message: 'ar12-demo: the previous backup is still running' });
    // ar13-demo: up to yesterday; today's real run is refused its login.
    await seed('ar13-demo', 'riverbed-npm-v1', occurrences.slice(0, -1), wobble(30_000));
    lines.push(failed('ar13-demo', occurrences[occurrences.length - 1]!, 'DeviceUnreachable', 'ar13-demo: connect ETIMEDOUT 10.20.1.13:443'));
    // qradar-demo: never a backup; its runs fail (and carry device text that must stay text on the page).
    for (const occurrence of occurrences.slice(-6)) {
      lines.push(failed('qradar-demo', occurrence, 'AuthenticationFailed', 'qradar-demo: the console refused the token (HTTP 401) <script>alert("device text")</script>'));
    }
    // fg-demo: on time, but the newest backup is a tenth of the ones before it.
    await seed('fg-demo', 'riverbed-flow-gateway', occurrences, (i) => (i === occurrences.length - 1 ? 12_000 : wobble(120_000)(i)));
    // storware-demo: on demand, once a week.
    await seed('storware-demo', 'storware', occurrences.filter((_, i) => i % 7 === 3), wobble(60_000));
    await history.append(lines, now);

    const realRuns = await runBackupsLocally({
      config,
      deviceIds: ['ar11-demo', 'ar13-demo'],
      secrets: staticSecretSource({ 'backup-runner/ar11-demo': { username: 'admin', password: 'admin' }, 'backup-runner/ar13-demo': { username: 'admin', password: 'not-the-password' } }),
      archive: { bucket: FLEET_BUCKET, s3: s3.client },
      log: silentLog,
      overrides: FAST,
    });
    const ended = new Date();
    await history.append(realRuns.map((r) => backupHistoryLine(r, ended)), ended);
    const simulator = sim;
    return {
      dir,
      configFile,
      history,
      s3,
      now: ended,
      realRuns,
      close: async () => {
        await simulator.close();
        await s3.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sim?.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** One committed backup as the workflow leaves it: the object, then its manifest. */
async function seedCopy(s3: S3Client, c: { deviceId: string; type: string; occurrence: Date; at: Date; size: number }): Promise<void> {
  const runId = createHash('sha256').update(`${c.deviceId}${c.at.toISOString()}`).digest('hex').slice(0, 10);
  const key = archiveKey({ prefix: PREFIX, deviceId: c.deviceId, time: c.at, runId, extension: 'tar.gz' });
  const body = Buffer.alloc(c.size, c.deviceId.length);
  await s3.send(new PutObjectCommand({ Bucket: FLEET_BUCKET, Key: key, Body: body }));
  await writeManifest(s3, {
    schemaVersion: 1,
    device: { id: c.deviceId, type: c.type, hostname: c.deviceId },
    backup: { deviceBackupId: runId, details: {} },
    object: { bucket: FLEET_BUCKET, key, size: c.size, sha256: createHash('sha256').update(body).digest('hex'), contentType: 'application/gzip' },
    run: { executionName: `${c.deviceId}-${stamp(c.occurrence)}`, runId, occurrence: c.occurrence.toISOString(), startedAt: c.at.toISOString(), finishedAt: new Date(c.at.getTime() + 60_000).toISOString() },
    runner: { version: RUNNER_VERSION },
  });
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
}
