import { stderrLog } from '../../lambdas/common/log';
import { findDevice, loadConfigFile } from '../../lambdas/config/load';
import { formatDuration } from '../../lambdas/restore/format';
import { openArchiveTarget } from '../local/archive-target';
import { runRestoreLocally } from '../local/run-restore';
import { recordHistory, restoreHistoryLine } from '../local/run-history';
import { jsonReport, outcomeLines, planLines, verdictOf } from './restore-report';
import type { Presentation } from '../conventions/command-options';
import { logLevel, type OutputFlags } from '../conventions/output';
import { checkSecretsUpFront, cliSecretSource } from '../local/secrets';

export interface DrillCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device: string;
  target?: string;
  secrets?: string;
}

/**
 * `backup-runner drill`: restores the latest backup of a device onto a target (a standby device
 * or a simulator; the device itself when no target is named) with the restore state machine,
 * and reports the recovery time. Proves the backups restore before they are needed.
 * Exit 0 when the restore completed (with errors too: printed as a warning), 1 otherwise.
 */
export async function drillCommand(
  options: DrillCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const config = loadConfigFile(options.config);
  const source = findDevice(config, options.device);
  const target = findDevice(config, options.target ?? options.device);
  const secrets = cliSecretSource(options.secrets);
  await checkSecretsUpFront([target], secrets);
  const log = stderrLog(logLevel(options), err);
  const archive = await openArchiveTarget(config.archive);
  try {
    log.info(`drill: latest backup of ${source.id} onto ${target.id}; archive ${archive.description}`);
    const result = await runRestoreLocally({
      config,
      input: { deviceId: source.id, targetDeviceId: target.id, selector: { latest: true }, force: false, dryRun: false },
      secrets,
      archive,
      log,
    });
    await recordHistory([restoreHistoryLine(result, { device: source.id, target: target.id, drill: true }, new Date())], log);
    const verdict = verdictOf(result);
    if (options.json) {
      out.write(`${JSON.stringify(jsonReport(result, { drill: true }))}\n`);
    } else {
      const o = result.state?.outcome;
      out.write(
        [
          `Restore drill: latest backup of ${source.id} onto ${target.id}`,
          ...(result.state ? planLines(result.state).map((l) => `  ${l}`) : []),
          ...outcomeLines(result, options.colour ?? false),
          verdict === 'failed'
            ? 'DRILL FAILED: this backup did not restore; fix the cause before you need it.'
            : `DRILL PASSED: recovery time ${formatDuration(o?.recoveryMs ?? 0)}.`,
        ].join('\n') + '\n',
      );
    }
    return verdict === 'failed' ? 1 : 0;
  } finally {
    await archive.close();
  }
}
