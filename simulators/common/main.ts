/**
 * What every standalone simulator (simulators/<type>/main.ts) shares: the listen arguments,
 * number parsing, printing where it listens, and running until SIGINT/SIGTERM.
 */

/** parseArgs option definitions of --host, --port and --tls. */
export const LISTEN_ARGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  tls: { type: 'boolean', default: false },
} as const;

/** The parsed value of `--name`, which must be a non-negative integer; undefined when absent. */
export function nonNegativeInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}

/** Simulator options from --host, --port and --tls. */
export function listenOptions(values: { host?: string | undefined; port?: string | undefined; tls: boolean }): { tls: boolean; host?: string; port?: number } {
  const port = nonNegativeInteger('port', values.port);
  return { tls: values.tls, ...(values.host !== undefined ? { host: values.host } : {}), ...(port !== undefined ? { port } : {}) };
}

interface RunningSimulator {
  url: string;
  seed?: number;
  fingerprint256?: string;
  close(): Promise<void>;
}

/** Prints the URL (and the content seed and certificate fingerprint where there are any). */
export function printListening(sim: RunningSimulator): void {
  console.log(`url: ${sim.url}`);
  if (sim.seed !== undefined) console.log(`seed: ${sim.seed}`);
  if (sim.fingerprint256) console.log(`fingerprint256: ${sim.fingerprint256}`);
}

/** Closes the simulator on SIGINT or SIGTERM and exits (1 when closing failed). */
export function stopOnSignal(sim: RunningSimulator): void {
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

/** Runs a simulator's main; a failure prints "<name> simulator: <message>" and exits 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name} simulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
