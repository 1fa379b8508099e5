import { join } from 'node:path';
import { DeviceLocks } from '../../lambdas/state/device-locks';
import { fileConditionalStore } from '../../lambdas/state/file-store';
import { stderrLog } from '../../lambdas/common/log';
import { findDevice, loadConfigFile } from '../../lambdas/config/load';
import type { Presentation } from '../conventions/command-options';
import { logLevel, paintStatus, shortSha256, writeJsonLines, type OutputFlags } from '../conventions/output';
import { openArchiveTarget } from '../local/archive-target';
import { runBackupsLocally, type LocalRunResult } from '../local/run-backups';
import { checkSecretsUpFront, cliSecretSource } from '../local/secrets';
import { backupHistoryLine, recordHistory } from '../local/run-history';
import { formatBytes, formatTable } from '../output/table';
import { attachUploadProgress } from '../output/transfer-progress';

export interface RunCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device?: string[];
  secrets?: string;
}

/** `backup-runner run`: back up now, on this machine, with the deployed workflow's definition. */
export async function runCommand(
  options: RunCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<number> {
  const config = loadConfigFile(options.config);
  const devices = options.device?.length ? options.device.map((id) => findDevice(config, id)) : config.devices;
  const secrets = cliSecretSource(options.secrets);
  // Every secret these devices need, read and checked once, before anything is contacted.
  await checkSecretsUpFront(devices, secrets);
  const log = stderrLog(logLevel(options), err);
  const archive = await openArchiveTarget(config.archive);
  // A live upload line on a terminal only; --json, --quiet and --verbose keep stderr to whole lines.
  const progress = options.json || options.quiet || options.verbose ? { stop() {} } : attachUploadProgress(archive.s3, err);
  try {
    log.info(`archive: ${archive.description}`);
    // One run per device, also against another `run` on this machine: the locks are files.
    const locks = new DeviceLocks(fileConditionalStore(join('.backup-runner', 'state')));
    const results = await runBackupsLocally({ config, deviceIds: devices.map((d) => d.id), secrets, archive, log, locks });
    progress.stop();
    const ended = new Date();
    await recordHistory(results.map((r) => backupHistoryLine(r, ended)), log);
    if (options.json) writeJsonLines(out, results.map(jsonLine));
    else out.write(`${resultTable(results, options.colour ?? false)}\n`);
    return results.every((r) => r.status === 'SUCCEEDED') ? 0 : 1;
  } finally {
    progress.stop();
    await archive.close();
  }
}

/** The `--json` contract: one line per device run. */
export function jsonLine(r: LocalRunResult): Record<string, unknown> {
  return {
    device: r.device,
    status: r.status,
    key: r.key ?? null,
    size: r.size ?? null,
    sha256: r.sha256 ?? null,
    ...(r.status === 'FAILED' ? { error: r.error, message: r.cause } : {}),
    ...(r.warning ? { warning: r.warning } : {}),
  };
}

export function resultTable(results: readonly LocalRunResult[], colour = false): string {
  const table = formatTable(
    ['DEVICE', 'STATUS', 'SIZE', 'SHA-256', 'KEY', 'TIME'],
    results.map((r) => [r.device, paintStatus(r.status, r.status, colour), formatBytes(r.size), shortSha256(r.sha256), r.key ?? '', `${(r.durationMs / 1000).toFixed(1)} s`]),
  );
  const problems = results
    .filter((r) => r.status === 'FAILED' || r.warning)
    .map((r) => (r.status === 'FAILED' ? `${paintStatus('FAILED', 'FAILED', colour)} (${r.error}) ${r.cause}` : `WARNING ${r.device}: ${r.warning}`));
  return [table, ...problems].join('\n');
}
