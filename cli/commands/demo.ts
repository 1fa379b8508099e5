import type { S3Client } from '@aws-sdk/client-s3';
import { objectSha256 } from '../../lambdas/archive/object-sha256';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stderrLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { DemoDevice } from '../demo/demo-device';
import { DEMO_DEVICES } from '../demo/devices';
import { startEmbeddedS3 } from '../local/embedded-s3';
import { runBackupsLocally } from '../local/run-backups';
import { runRestoreLocally } from '../local/run-restore';
import { buildLocalReport } from '../local/local-report';
import { backupHistoryLine, localRunHistory, restoreHistoryLine, type LocalRunHistory } from '../local/run-history';
import { stateDirectory } from '../local/state-dir';
import { writeReport } from '../output/report-output';
import { formatDuration } from '../../lambdas/restore/format';
import { formatBytes, formatTable } from '../output/table';
import { PassThrough } from 'node:stream';
import type { Presentation } from '../conventions/command-options';
import { paintStatus, shortSha256, writeJsonLines, type OutputFlags } from '../conventions/output';

const DEMO_BUCKET = 'backup-runner-demo';
/** The demo devices' schedule in its config: nothing dispatches locally, but the report measures each device against it. */
const DEMO_SCHEDULE = { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' };

/**
 * `backup-runner demo`: simulated appliances (one per supported type), an embedded S3, and the
 * real workflow definition; then every archive is read back and compared with what its
 * simulator served, one backup is restored, and the fleet report of it all is written
 * (`<state dir>/demo-report.html`, its path printed). Exit 0 only when all match.
 */
export async function demoCommand(
  options: OutputFlags & Partial<Presentation> & { reportFile?: string } = {},
  stdout: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const log = stderrLog(options.verbose ? 'debug' : options.quiet ? 'error' : 'warn', err);
  // With --json the narrative is left out and stdout gets one JSON line per backup and one for the restore.
  const json: object[] = [];
  const out = options.json ? new PassThrough().resume() : stdout;
  const colour = options.colour ?? false;
  const workDir = await mkdtemp(join(tmpdir(), 'backup-runner-demo-'));
  const devices: DemoDevice[] = [];
  const s3 = await startEmbeddedS3({ directory: join(workDir, 's3'), buckets: [DEMO_BUCKET] });
  try {
    for (const start of DEMO_DEVICES) devices.push(await start({ workDir }));
    const config = parseConfig({
      archive: { bucket: DEMO_BUCKET, prefix: 'backups/', s3: { endpoint: s3.endpoint } },
      devices: devices.map((d) => ({ schedule: DEMO_SCHEDULE, ...d.config })),
    });
    // The demo's own history (its archive goes away with it): what the report reads besides the archive.
    const history = localRunHistory(workDir);
    const secrets = staticSecretSource(Object.assign({}, ...devices.map((d) => d.secrets)));
    out.write(`Simulated appliances:\n`);
    for (const d of config.devices) {
      const pin = d.tls && 'fingerprint256' in d.tls ? `, certificate pinned ${d.tls.fingerprint256.slice(0, 23)}...` : '';
      out.write(`  ${d.id.padEnd(16)} ${d.type.padEnd(24)} ${d.url}${pin}\n`);
    }
    out.write(`Embedded S3 at ${s3.endpoint}, bucket ${DEMO_BUCKET}\n\nBacking up with the synthesized state machine...\n\n`);

    const results = await runBackupsLocally({ config, secrets, archive: { bucket: DEMO_BUCKET, s3: s3.client }, log });
    const ended = new Date();
    await history.append(results.map((r) => backupHistoryLine(r, ended)));
    const rows: string[][] = [];
    let allGood = true;
    for (const [index, result] of results.entries()) {
      const device = devices[index]!;
      if (result.status !== 'SUCCEEDED' || !result.key) {
        allGood = false;
        rows.push([result.device, config.devices[index]!.type, paintStatus('FAILED', 'FAILED', colour), '', '', `${result.error}: ${result.cause}`]);
        json.push({ device: result.device, type: config.devices[index]!.type, status: 'FAILED', error: result.error ?? null, message: result.cause ?? null });
        continue;
      }
      const served = await device.served(result);
      const readBack = await objectSha256(s3.client, DEMO_BUCKET, result.key);
      const same = served ? served.sha256 === readBack.sha256 && served.size === readBack.size : readBack.sha256 === result.sha256;
      allGood &&= same && readBack.sha256 === result.sha256;
      rows.push([
        result.device,
        config.devices[index]!.type,
        paintStatus('SUCCEEDED', 'SUCCEEDED', colour),
        `${formatBytes(readBack.size)} (${readBack.size} B)`,
        shortSha256(readBack.sha256),
        served ? (same ? 'same bytes as served' : paintStatus('DIFFERS from what the device served', 'MISMATCH', colour)) : 'matches manifest',
      ]);
      json.push({
        device: result.device,
        type: config.devices[index]!.type,
        status: 'SUCCEEDED',
        key: result.key,
        size: readBack.size,
        sha256: readBack.sha256,
        readBack: same && readBack.sha256 === result.sha256 ? 'OK' : 'MISMATCH',
        comparedWith: served ? 'served' : 'manifest',
      });
    }
    out.write(formatTable(['DEVICE', 'TYPE', 'BACKUP', 'SIZE IN S3', 'SHA-256 (read back from S3)', 'CHECK'], rows) + '\n\n');
    for (const r of results) if (r.key) out.write(`${r.device}: s3://${DEMO_BUCKET}/${r.key} (+ .manifest.json), ${(r.durationMs / 1000).toFixed(1)} s\n`);
    out.write(allGood ? '\nOK: every archive holds exactly the bytes its device served.\n' : '\nFAILED: see the table above.\n');
    const restored = await demoRestore(config, devices, results, { bucket: DEMO_BUCKET, s3: s3.client }, secrets, log, out, history, colour);
    json.push(restored.json);
    const report = await buildLocalReport({
      config,
      archive: { bucket: DEMO_BUCKET, s3: s3.client, description: `embedded S3 of the demo, bucket ${DEMO_BUCKET}` },
      history,
      now: new Date(),
    });
    out.write('\nFleet report (one self-contained page: open it in a browser):\n');
    // With --json the path goes to stderr: stdout keeps its one line per backup and one for the restore.
    await writeReport(report, { html: options.reportFile ?? join(stateDirectory(), 'demo-report.html') }, options.json ? err : out, err);
    if (options.json) writeJsonLines(stdout, json);
    return allGood && restored.ok ? 0 : 1;
  } finally {
    await s3.close();
    await Promise.all(devices.map((d) => d.close()));
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The npm.backup 1.0 device the demo restores: its latest backup, through the restore state machine and the reboot. */
const RESTORE_DEVICE = 'ar11-demo';

/**
 * One restore through the local restore state machine: the latest backup of the npm.backup 1.0
 * device goes back onto it; the simulator records the SHA-256 of what it received, which must be
 * the archived object's. True when it is.
 */
async function demoRestore(
  config: ReturnType<typeof parseConfig>,
  devices: readonly DemoDevice[],
  results: Awaited<ReturnType<typeof runBackupsLocally>>,
  archive: { bucket: string; s3: S3Client },
  secrets: ReturnType<typeof staticSecretSource>,
  log: ReturnType<typeof stderrLog>,
  out: NodeJS.WritableStream,
  history: LocalRunHistory,
  colour = false,
): Promise<{ ok: boolean; json: object }> {
  const index = config.devices.findIndex((d) => d.id === RESTORE_DEVICE);
  const device = devices[index];
  const backup = results[index];
  if (index < 0 || !device?.receivedUploads || backup?.status !== 'SUCCEEDED') {
    out.write(`\nRestore: skipped (no committed backup of ${RESTORE_DEVICE} to restore).\n`);
    return { ok: false, json: { device: RESTORE_DEVICE, restore: true, status: 'FAILED', error: 'BackupNotFound', message: 'no committed backup to restore' } };
  }
  out.write(`\nRestoring the latest backup of ${RESTORE_DEVICE} with the synthesized restore state machine (the device reboots)...\n\n`);
  const result = await runRestoreLocally({ config, input: { deviceId: RESTORE_DEVICE, selector: { latest: true } }, secrets, archive, log });
  await history.append([restoreHistoryLine(result, { device: RESTORE_DEVICE, target: RESTORE_DEVICE, drill: true }, new Date())].filter((l) => l !== undefined));
  const outcome = result.state?.outcome;
  const received = device.receivedUploads().at(-1);
  const same = received !== undefined && received.sha256 === result.state?.backup.sha256 && received.size === result.state?.backup.size;
  const ok = result.status === 'SUCCEEDED' && outcome !== undefined && same;
  out.write(
    formatTable(
      ['', 'SIZE', 'SHA-256'],
      [
        ['archived object', formatBytes(result.state?.backup.size), shortSha256(result.state?.backup.sha256)],
        ['received by the device', formatBytes(received?.size), received ? shortSha256(received.sha256) : '(nothing received)'],
      ],
    ) + '\n\n',
  );
  if (result.status !== 'SUCCEEDED' || !outcome) {
    out.write(`Restore ${paintStatus('FAILED', 'FAILED', colour)} (${result.error}) ${result.cause}\n`);
    return { ok: false, json: { device: RESTORE_DEVICE, restore: true, status: 'FAILED', error: result.error ?? null, message: result.cause ?? null } };
  }
  out.write(
    `${RESTORE_DEVICE}: restored ${result.state?.backup.key}; recovery time ${formatDuration(outcome.recoveryMs)} (request to device back up), ` +
      `device outage ${formatDuration(outcome.deviceOutageMs)}${result.state?.uploadedCopyRemoved ? '; uploaded copy removed' : ''}\n`,
  );
  out.write(ok ? 'OK: the device received exactly the archived bytes and came back up.\n' : 'Restore DIFFERS: the device did not receive the archived bytes.\n');
  return {
    ok,
    json: {
      device: RESTORE_DEVICE,
      restore: true,
      status: ok ? 'RESTORED' : 'FAILED',
      key: result.state?.backup.key ?? null,
      sha256: result.state?.backup.sha256 ?? null,
      receivedSha256: received?.sha256 ?? null,
      recoveryMs: outcome.recoveryMs,
      deviceOutageMs: outcome.deviceOutageMs,
    },
  };
}

