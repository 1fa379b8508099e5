/**
 * Standalone Storware Backup & Recovery simulator, for demos and manual runs:
 *   npx tsx simulators/storware/main.ts --port 8181 --tls [--login admin --password vPr0tect] [--export-ms 2000]
 * Prints its URL, the certificate fingerprint (with --tls) and the protected entity guids; runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { LISTEN_ARGS, listenOptions, nonNegativeInteger, printListening, runMain, stopOnSignal } from '../common/main';
import { startStorwareSimulator } from './index';
import type { StorwareSimulatorOptions } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...LISTEN_ARGS,
      login: { type: 'string' },
      password: { type: 'string' },
      'export-ms': { type: 'string' },
    },
    strict: true,
  });
  const options: StorwareSimulatorOptions = listenOptions(values);
  const exportMs = nonNegativeInteger('export-ms', values['export-ms']);
  if (values.login !== undefined) options.login = values.login;
  if (values.password !== undefined) options.password = values.password;
  if (exportMs !== undefined) options.exportDurationMs = exportMs;
  const sim = await startStorwareSimulator(options);
  printListening(sim);
  for (const e of sim.entities) console.log(`protected entity: ${e.guid} (${e.name})`);
  stopOnSignal(sim);
}

runMain('storware', main);
