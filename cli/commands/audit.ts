import { auditStorware } from '../../lambdas/audit/storware-audit';
import type { AuditReport } from '../../lambdas/audit/stale-entities';
import { ConfigError } from '../../lambdas/common/errors';
import { createDeviceHttpClient } from '../../lambdas/common/http';
import { stderrLog } from '../../lambdas/common/log';
import type { Presentation } from '../conventions/command-options';
import { paintStatus, writeJsonLines, type OutputFlags } from '../conventions/output';
import { checkSecretsUpFront, cliSecretSource } from '../local/secrets';
import { findDevice, loadConfigFile } from '../../lambdas/config/load';
import { formatTable } from '../output/table';

export interface AuditCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device: string;
  maxAgeHours: string;
  secrets?: string;
}

/**
 * `backup-runner audit`: lists the protected entities of a Storware device with no SUCCESS
 * backup newer than --max-age-hours. Exit 0 when every entity is covered, 1 when any is stale.
 */
export async function auditCommand(
  options: AuditCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  now: () => Date = () => new Date(),
): Promise<number> {
  const maxAgeHours = Number(options.maxAgeHours);
  if (!Number.isFinite(maxAgeHours) || maxAgeHours <= 0) {
    throw new ConfigError(`--max-age-hours must be a positive number of hours, got "${options.maxAgeHours}"`);
  }
  const config = loadConfigFile(options.config);
  const device = findDevice(config, options.device);
  if (device.type !== 'storware') {
    throw new ConfigError(`device "${device.id}" is a ${device.type} device; the audit checks the protected entities of a storware device`);
  }
  const log = stderrLog(options.verbose ? 'debug' : options.quiet ? 'error' : 'warn', err);
  const secrets = cliSecretSource(options.secrets);
  await checkSecretsUpFront([device], secrets);
  const http = createDeviceHttpClient(device, { log });
  try {
    const report = await auditStorware({ device, secret: await secrets.get(device.secret), http, log, now: now(), maxAgeHours });
    if (options.json) writeJsonLines(out, [{ device: device.id, status: report.stale.length ? 'STALE' : 'OK', ...report }]);
    else out.write(`${auditTable(device.id, report, options.colour ?? false)}\n`);
    return report.stale.length ? 1 : 0;
  } finally {
    await http.close();
  }
}

export function auditTable(deviceId: string, report: AuditReport, colour = false): string {
  const rows = report.entities.map((e) => [
    e.entity,
    e.name ?? '',
    e.stale ? paintStatus('STALE', 'STALE', colour) : paintStatus('ok', 'OK', colour),
    e.lastSuccess ? `${e.lastSuccess.at} (${e.lastSuccess.ageHours} h ago)` : 'never',
  ]);
  const table = formatTable(['PROTECTED ENTITY', 'NAME', 'STATE', 'LAST SUCCESS'], rows);
  const verdict = report.stale.length
    ? `${deviceId}: ${report.stale.length} of ${report.entities.length} protected entities have no SUCCESS backup newer than ${report.maxAgeHours} h (since ${report.cutoff})`
    : `${deviceId}: every protected entity has a SUCCESS backup newer than ${report.maxAgeHours} h`;
  return `${table}\n${verdict}`;
}
