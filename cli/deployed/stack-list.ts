import { listCatalog } from '../../lambdas/archive/catalog';
import { archiveDeviceId } from '../commands/archive-scope';
import { jsonLine, listTable } from '../commands/list';
import type { CommandIo } from './backup-now';
import { describeDeployedStack, stackClients, type StackOptions } from './stack-target';

export interface StackListOptions extends StackOptions {
  device?: string;
  json?: boolean;
}

/** `backup-runner stack list`: the committed backups in the deployed stack's archive bucket, as `list` prints them. */
export async function stackListCommand(options: StackListOptions, io: CommandIo): Promise<number> {
  const deviceId = archiveDeviceId(options.device);
  const clients = io.clients ?? stackClients(options);
  const stack = await describeDeployedStack(clients.cloudFormation, options.stack);
  const catalog = await listCatalog(clients.s3, stack.bucket, { prefix: stack.prefix, deviceId });
  io.out.write(options.json ? catalog.backups.map((b) => `${JSON.stringify(jsonLine(b))}\n`).join('') : `${listTable(catalog.backups)}\n`);
  const notListed = catalog.incomplete.length + catalog.danglingManifests.length + catalog.unreadableManifests.length;
  if (notListed) io.err.write(`backup-runner stack list: not listed: ${notListed} object(s) or manifest(s) that are not committed backups\n`);
  return 0;
}
