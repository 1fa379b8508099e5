import { listCatalog, type CatalogBackup } from '../../lambdas/archive/catalog';
import { formatInstant } from '../../lambdas/archive/retention';
import { loadConfigFile } from '../../lambdas/config/load';
import type { Presentation } from '../conventions/command-options';
import { shortSha256, writeJsonLines, type OutputFlags } from '../conventions/output';
import { openArchiveTarget } from '../local/archive-target';
import { formatBytes, formatTable } from '../output/table';
import { archiveDeviceId, requireKnownDevice } from './archive-scope';

export interface ListCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device?: string;
}

/**
 * `backup-runner list`: the committed backups in the archive (the config's S3 endpoint or the
 * embedded S3), newest first. Objects without a manifest are not backups and are not listed;
 * a note on stderr counts them (`verify` names them).
 */
export async function listCommand(
  options: ListCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const config = loadConfigFile(options.config);
  const deviceId = archiveDeviceId(options.device);
  const archive = await openArchiveTarget(config.archive);
  try {
    const catalog = await listCatalog(archive.s3, archive.bucket, { prefix: config.archive.prefix, deviceId });
    requireKnownDevice(config, deviceId, catalog);
    if (options.json) writeJsonLines(out, catalog.backups.map(jsonLine));
    else out.write(`${listTable(catalog.backups)}\n`);
    const notListed = catalog.incomplete.length + catalog.danglingManifests.length + catalog.unreadableManifests.length;
    if (notListed && !options.quiet) {
      err.write(
        `backup-runner list: not listed: ${catalog.incomplete.length} object(s) without a manifest, ` +
          `${catalog.danglingManifests.length} manifest(s) without an object, ${catalog.unreadableManifests.length} unreadable manifest(s); ` +
          '`backup-runner verify` names them\n',
      );
    }
    return 0;
  } finally {
    await archive.close();
  }
}

/** The `--json` contract: one object per line, the full SHA-256. */
export function jsonLine(b: CatalogBackup): Record<string, unknown> {
  return {
    time: b.time.toISOString(),
    device: b.deviceId,
    size: b.size,
    storageClass: b.storageClass,
    sha256: b.sha256,
    key: b.key,
    manifestKey: b.manifestKey,
  };
}

/** For people: the SHA-256 shortened (the full one is in --json and the manifest). */
export function listTable(backups: readonly CatalogBackup[]): string {
  return formatTable(
    ['TIME', 'DEVICE', 'SIZE', 'CLASS', 'SHA-256', 'KEY'],
    backups.map((b) => [formatInstant(b.time), b.deviceId, formatBytes(b.size), b.storageClass, shortSha256(b.sha256), b.key]),
  );
}
