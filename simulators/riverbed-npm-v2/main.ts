/**
 * Standalone Riverbed npm.backup 2.0 simulator, for demos and manual runs:
 *   npx tsx simulators/riverbed-npm-v2/main.ts --port 8444 --tls --size 10MiB [--duration-ms 2000] [--seed N]
 * Prints its URL and (with --tls) the certificate fingerprint; its built-in local server is "local".
 * Remote filers created through the API write into their `path` on this machine.
 */
import { parseArgs } from 'node:util';
import { LISTEN_ARGS, listenOptions, nonNegativeInteger, printListening, runMain, stopOnSignal } from '../common/main';
import { parseByteSize } from '../common/size';
import { startNpmV2Simulator } from './index';
import type { NpmV2SimulatorOptions } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...LISTEN_ARGS,
      size: { type: 'string' },
      'duration-ms': { type: 'string' },
      seed: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
  });
  const options: NpmV2SimulatorOptions = listenOptions(values);
  const durationMs = nonNegativeInteger('duration-ms', values['duration-ms']);
  const seed = nonNegativeInteger('seed', values.seed);
  if (values.size !== undefined) options.backupSize = parseByteSize(values.size);
  if (durationMs !== undefined) options.backupDurationMs = durationMs;
  if (seed !== undefined) options.seed = seed;
  if (values.username !== undefined) options.username = values.username;
  if (values.password !== undefined) options.password = values.password;
  const sim = await startNpmV2Simulator(options);
  printListening(sim);
  stopOnSignal(sim);
}

runMain('riverbed-npm-v2', main);
