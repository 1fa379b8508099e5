import { certificateFields, checkNonNegativeIntegers } from '../common/device-server';
import { listen } from '../common/server';
import { StorwareDevice } from './device';
import type { StorwareSimulator, StorwareSimulatorOptions } from './types';

export type { StorwareFaults, StorwareSimulator, StorwareSimulatorOptions, StorwareBackupStatus } from './types';

/** Fixed guids for the default entities, so tests and the demo can name them. */
export const DEFAULT_STORWARE_ENTITIES = [
  { guid: '5c1a7a0e-0001-4b7e-9a55-000000000001', name: 'vm-erp-db' },
  { guid: '5c1a7a0e-0002-4b7e-9a55-000000000002', name: 'vm-erp-app' },
];

/** Starts a Storware Backup & Recovery server on loopback (HTTP, or self-signed HTTPS with `tls`). */
export async function startStorwareSimulator(options: StorwareSimulatorOptions = {}): Promise<StorwareSimulator> {
  checkNonNegativeIntegers('Storware simulator', options, ['exportDurationMs', 'storeDurationMs', 'restoreDurationMs', 'importDurationMs', 'defaultPageSize']);
  const faults = options.faults ?? {};
  const entities = options.entities ?? DEFAULT_STORWARE_ENTITIES;
  const device = new StorwareDevice(
    {
      login: options.login ?? 'admin',
      password: options.password ?? 'vPr0tect',
      entities,
      exportDurationMs: options.exportDurationMs ?? 600,
      storeDurationMs: options.storeDurationMs ?? 200,
      restoreDurationMs: options.restoreDurationMs ?? 500,
      importDurationMs: options.importDurationMs ?? 300,
      defaultPageSize: options.defaultPageSize ?? 25,
    },
    faults,
    options.existingBackups ?? [],
  );
  const server = await listen((req, res) => device.handle(req, res), {
    host: options.host ?? '127.0.0.1',
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
  });
  return {
    url: server.url,
    ...certificateFields(server),
    faults,
    entities,
    tasks: () => device.tasks(),
    backups: () => device.backups(),
    requests: () => device.requests(),
    close: () => server.close(),
  };
}
