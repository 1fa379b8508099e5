import { ConfigError } from '../../lambdas/common/errors';
import { stderrLog } from '../../lambdas/common/log';
import { findDevice, loadConfigFile } from '../../lambdas/config/load';
import { parseSelector } from '../../lambdas/restore/selector';
import { openArchiveTarget } from '../local/archive-target';
import { runRestoreLocally } from '../local/run-restore';
import { recordHistory, restoreHistoryLine } from '../local/run-history';
import { jsonReport, outcomeLines, planLines, verdictOf } from './restore-report';
import type { Presentation } from '../conventions/command-options';
import { logLevel, type OutputFlags } from '../conventions/output';
import { checkSecretsUpFront, cliSecretSource } from '../local/secrets';

export interface RestoreCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device: string;
  latest?: boolean;
  key?: string;
  before?: string;
  confirm?: string;
  dryRun?: boolean;
  force?: boolean;
  secrets?: string;
}

/** Exit code when the restore was not confirmed: the plan was shown, nothing changed. */
export const NOT_CONFIRMED_EXIT = 3;

/**
 * `backup-runner restore`: brings an archived backup back onto its device with the restore state
 * machine the stack deploys. Without `--confirm` naming the same device (or with `--dry-run`) it
 * only plans: chooses the backup, checks it against the device, says whether a thaw is needed,
 * and changes nothing. Exit 0 restored (or planned with --dry-run), 1 failed or refused,
 * 2 bad arguments or config, 3 not confirmed.
 */
export async function restoreCommand(
  options: RestoreCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const config = loadConfigFile(options.config);
  const device = findDevice(config, options.device);
  const selector = parseSelector(options);
  if ('problem' in selector) throw new ConfigError(selector.problem);
  const confirmed = options.confirm === device.id;
  const dryRun = options.dryRun === true || !confirmed;
  const secrets = cliSecretSource(options.secrets);
  await checkSecretsUpFront([device], secrets);
  const log = stderrLog(logLevel(options), err);
  const archive = await openArchiveTarget(config.archive);
  try {
    log.info(`archive: ${archive.description}`);
    if (!dryRun) log.info(`restoring onto ${device.id}: the device restarts; this waits through the reboot (up to ${device.restorePoll.timeoutMinutes} min after the restore starts)`);
    const result = await runRestoreLocally({
      config,
      input: { deviceId: device.id, selector, force: options.force === true, dryRun },
      secrets,
      archive,
      log,
    });
    await recordHistory([restoreHistoryLine(result, { device: device.id, target: device.id, drill: false }, new Date())], log);
    const verdict = verdictOf(result);
    const notice = dryRun && !options.dryRun ? notConfirmedNotice(options.confirm, device.id) : undefined;
    if (options.json) {
      out.write(`${JSON.stringify(jsonReport(result, { dryRun, confirmed, ...(notice ? { notice } : {}) }))}\n`);
    } else {
      const lines = [
        `${dryRun ? 'Restore plan' : 'Restore'} for ${device.id}: ${result.state?.selected ?? 'the selected backup'}`,
        ...(result.state ? planLines(result.state).map((l) => `  ${l}`) : []),
        ...outcomeLines(result, options.colour ?? false),
      ];
      if (dryRun && verdict === 'planned') lines.push(`Nothing was changed.${notice ? ` ${notice}` : ''}`);
      out.write(`${lines.join('\n')}\n`);
    }
    // With --json the notice is in the document; stderr stays for warnings and errors.
    if (notice && verdict === 'planned' && !options.json && !options.quiet) err.write(`backup-runner restore: ${notice}\n`);
    if (verdict === 'failed') return 1;
    if (dryRun) return options.dryRun ? 0 : NOT_CONFIRMED_EXIT;
    return 0;
  } finally {
    await archive.close();
  }
}

function notConfirmedNotice(confirm: string | undefined, deviceId: string): string {
  return confirm === undefined
    ? `Not confirmed: to restore, run again with --confirm ${deviceId}.`
    : `Not confirmed: --confirm names "${confirm}", not the device being restored (${deviceId}).`;
}
