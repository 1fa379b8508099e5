/**
 * Standalone Riverbed npm.backup 1.0 simulator, for demos and manual runs:
 *   npx tsx simulators/riverbed-npm-v1/main.ts --port 8443 --tls --size 10MiB --duration-ms 2000 \
 *     [--reboot-ms 2000] [--username admin --password admin] [--seed N] [--token-api 2.0|1.0] \
 *     [--hostname ar11-sim] [--sw-version 11.13.0] [--ca-out cert.pem]
 * Prints its URL (and with --tls the certificate's SHA-256 fingerprint); runs until SIGINT/SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseByteSize } from '../common/size';
import { startNpmV1Simulator } from './index';
import type { NpmV1SimulatorOptions } from './types';

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'boolean', default: false },
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

  const options: NpmV1SimulatorOptions = { tls: values.tls };
  const port = integer('port', values.port);
  const durationMs = integer('duration-ms', values['duration-ms']);
  const rebootMs = integer('reboot-ms', values['reboot-ms']);
  const seed = integer('seed', values.seed);
  if (values.host !== undefined) options.host = values.host;
  if (port !== undefined) options.port = port;
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
  console.log(`url: ${sim.url}`);
  console.log(`seed: ${sim.seed}`);
  if (sim.fingerprint256) console.log(`fingerprint256: ${sim.fingerprint256}`);
  if (values['ca-out']) {
    if (!sim.caPem) throw new Error('--ca-out needs --tls: a plain HTTP simulator has no certificate');
    writeFileSync(values['ca-out'], sim.caPem);
    console.log(`ca: ${values['ca-out']}`);
  }

  const stop = (signal: string): void => {
    console.error(`${signal}: stopping`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`riverbed-npm-v1 simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
