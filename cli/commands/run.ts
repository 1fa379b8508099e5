import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { stderrLog } from '../../lambdas/common/log';
import { fileSecretSource, secretsManagerSource, type SecretSource } from '../../lambdas/common/secrets';
import { loadConfigFile } from '../../lambdas/config/load';
import { openArchiveTarget } from '../local/archive-target';
import { runBackupsLocally, type LocalRunResult } from '../local/run-backups';
import { formatBytes, formatTable } from '../output/table';
import { attachUploadProgress } from '../output/transfer-progress';

export interface RunCommandOptions {
  config: string;
  device?: string[];
  secrets?: string;
  json?: boolean;
  verbose?: boolean;
}

/** `backup-runner run`: back up now, on this machine, with the deployed workflow's definition. */
export async function runCommand(options: RunCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfigFile(options.config);
  const secrets: SecretSource = options.secrets
    ? fileSecretSource(options.secrets)
    : secretsManagerSource(new SecretsManagerClient({}));
  const log = stderrLog(options.verbose ? 'debug' : options.json ? 'warn' : 'info');
  const archive = await openArchiveTarget(config.archive);
  // A live upload line on a terminal only; --json and --verbose keep stderr to whole lines.
  const progress = options.json || options.verbose ? { stop() {} } : attachUploadProgress(archive.s3, process.stderr);
  try {
    log.info(`archive: ${archive.description}`);
    const results = await runBackupsLocally({ config, deviceIds: options.device, secrets, archive, log });
    out.write(options.json ? results.map((r) => JSON.stringify(jsonLine(r))).join('\n') + '\n' : `${resultTable(results)}\n`);
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

export function resultTable(results: readonly LocalRunResult[]): string {
  const table = formatTable(
    ['DEVICE', 'STATUS', 'SIZE', 'SHA-256', 'KEY', 'TIME'],
    results.map((r) => [r.device, r.status, formatBytes(r.size), r.sha256 ?? '', r.key ?? '', `${(r.durationMs / 1000).toFixed(1)} s`]),
  );
  const problems = results
    .filter((r) => r.status === 'FAILED' || r.warning)
    .map((r) => (r.status === 'FAILED' ? `FAILED (${r.error}) ${r.cause}` : `WARNING ${r.device}: ${r.warning}`));
  return [table, ...problems].join('\n');
}
