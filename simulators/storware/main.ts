/**
 * Standalone Storware Backup & Recovery simulator, for demos and manual runs:
 *   npx tsx simulators/storware/main.ts --port 8181 --tls [--login admin --password vPr0tect] [--export-ms 2000]
 * Prints its URL, the certificate fingerprint (with --tls) and the protected entity guids; runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startStorwareSimulator } from './index';
import type { StorwareSimulatorOptions } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'boolean', default: false },
      login: { type: 'string' },
      password: { type: 'string' },
      'export-ms': { type: 'string' },
    },
    strict: true,
  });
  const options: StorwareSimulatorOptions = { tls: values.tls };
  if (values.host !== undefined) options.host = values.host;
  if (values.port !== undefined) options.port = Number(values.port);
  if (values.login !== undefined) options.login = values.login;
  if (values.password !== undefined) options.password = values.password;
  if (values['export-ms'] !== undefined) options.exportDurationMs = Number(values['export-ms']);
  const sim = await startStorwareSimulator(options);
  console.log(`url: ${sim.url}`);
  if (sim.fingerprint256) console.log(`fingerprint256: ${sim.fingerprint256}`);
  for (const e of sim.entities) console.log(`protected entity: ${e.guid} (${e.name})`);
  const stop = (): void => void sim.close().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`storware simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
