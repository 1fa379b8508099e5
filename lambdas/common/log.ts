/**
 * The logging surface the steps use. In Lambda it is a Powertools Logger (JSON with device id
 * and execution name); in local runs, a plain logger on stderr so stdout stays for results.
 */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line per record on stderr: `level message {extra}`. */
export function stderrLog(minLevel: LogLevel = 'info', stream: NodeJS.WritableStream = process.stderr): Log {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  const write = (level: (typeof order)[number]) => (message: string, extra?: Record<string, unknown>) => {
    if (order.indexOf(level) < order.indexOf(minLevel)) return;
    stream.write(`${level.padEnd(5)} ${message}${extra && Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
