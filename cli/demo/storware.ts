import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator } from '../../simulators/storware';
import type { DemoDeviceFactory } from './demo-device';

/**
 * A Storware Backup & Recovery server over self-signed HTTPS with two protected VMs: one export
 * task each, followed to SUCCESS; the archive keeps the backup records (JSON), since Storware
 * keeps the data in its own destinations.
 */
export const storwareDemo: DemoDeviceFactory = async () => {
  const simulator = await startStorwareSimulator({ tls: true, exportDurationMs: 1200, storeDurationMs: 300 });
  return {
    config: {
      id: 'storware-demo',
      type: 'storware',
      url: simulator.url,
      secret: 'backup-runner/storware-demo',
      tls: { fingerprint256: simulator.fingerprint256 },
      protectedEntities: DEFAULT_STORWARE_ENTITIES.map((e) => e.guid),
      backupType: 'FULL',
      poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    },
    secrets: { 'backup-runner/storware-demo': { login: 'admin', password: 'vPr0tect' } },
    // The record document is written by the runner (it carries the time it was recorded), so
    // there are no served bytes to compare: the demo checks the archive against its manifest.
    served: async () => undefined,
    close: () => simulator.close(),
  };
};
