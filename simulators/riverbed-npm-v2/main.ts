/**
 * Standalone Riverbed npm.backup 2.0 simulator, for demos and manual runs:
 *   npx tsx simulators/riverbed-npm-v2/main.ts --port 8444 --tls --size 10MiB [--duration-ms 2000] [--seed N]
 * Prints its URL and (with --tls) the certificate fingerprint; its built-in local server is "local".
 * Remote filers created through the API write into their `path` on this machine.
 */
import { parseArgs } from 'node:util';
import { parseByteSize } from '../common/size';
import { startNpmV2Simulator } from './index';
import type { NpmV2SimulatorOptions } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'boolean', default: false },
      size: { type: 'string' },
      'duration-ms': { type: 'string' },
      seed: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
  });
  const options: NpmV2SimulatorOptions = { tls: values.tls };
  if (values.host !== undefined) options.host = values.host;
  if (values.port !== undefined) options.port = Number(values.port);
  if (values.size !== undefined) options.backupSize = parseByteSize(values.size);
  if (values['duration-ms'] !== undefined) options.backupDurationMs = Number(values['duration-ms']);
  if (values.seed !== undefined) options.seed = Number(values.seed);
  if (values.username !== undefined) options.username = values.username;
  if (values.password !== undefined) options.password = values.password;
  const sim = await startNpmV2Simulator(options);
  console.log(`url: ${sim.url}`);
  console.log(`seed: ${sim.seed}`);
  if (sim.fingerprint256) console.log(`fingerprint256: ${sim.fingerprint256}`);
  const stop = (): void => void sim.close().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`riverbed-npm-v2 simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
