/**
 * Standalone Riverbed npm.backup 1.0 simulator, for demos and manual runs:
 *   npx tsx simulators/riverbed-npm-v1/main.ts --port 8443 --tls --size 10MiB --duration-ms 2000 \
 *     [--reboot-ms 2000] [--username admin --password admin] [--seed N] [--token-api 2.0|1.0] \
 *     [--hostname ar11-sim] [--sw-version 11.13.0] [--ca-out cert.pem]
 * Prints its URL (and with --tls the certificate's SHA-256 fingerprint); runs until SIGINT/SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LISTEN_ARGS, listenOptions, nonNegativeInteger, printListening, runMain, stopOnSignal } from '../common/main';
import { parseByteSize } from '../common/size';
import { startNpmV1Simulator } from './index';
import type { NpmV1SimulatorOptions } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...LISTEN_ARGS,
      size: { type: 'string' },
      'duration-ms': { type: 'string' },
      'reboot-ms': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      seed: { type: 'string' },
      'token-api': { type: 'string' },
      hostname: { type: 'string' },
      'sw-version': { type: 'string' },
      'ca-out': { type: 'string' },
    },
    strict: true,
  });
  const tokenApi = values['token-api'];
  if (tokenApi !== undefined && tokenApi !== '2.0' && tokenApi !== '1.0') throw new Error(`--token-api must be 2.0 or 1.0, got "${tokenApi}"`);

  const options: NpmV1SimulatorOptions = listenOptions(values);
  const durationMs = nonNegativeInteger('duration-ms', values['duration-ms']);
  const rebootMs = nonNegativeInteger('reboot-ms', values['reboot-ms']);
  const seed = nonNegativeInteger('seed', values.seed);
  if (values.size !== undefined) options.backupSize = parseByteSize(values.size);
  if (durationMs !== undefined) options.backupDurationMs = durationMs;
  if (rebootMs !== undefined) options.rebootMs = rebootMs;
  if (seed !== undefined) options.seed = seed;
  if (tokenApi !== undefined) options.tokenApi = tokenApi;
  if (values.username !== undefined) options.username = values.username;
  if (values.password !== undefined) options.password = values.password;
  if (values.hostname !== undefined) options.hostname = values.hostname;
  if (values['sw-version'] !== undefined) options.swVersion = values['sw-version'];

  const sim = await startNpmV1Simulator(options);
  printListening(sim);
  if (values['ca-out']) {
    if (!sim.caPem) throw new Error('--ca-out needs --tls: a plain HTTP simulator has no certificate');
    writeFileSync(values['ca-out'], sim.caPem);
    console.log(`ca: ${values['ca-out']}`);
  }
  stopOnSignal(sim);
}

runMain('riverbed-npm-v1', main);
