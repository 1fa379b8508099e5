import { listen, type ListenOptions, type RequestHandler, type SimulatorServer } from './server';

/** What a simulated device needs from its server: requests, its up/down state, and the reboot's cut. */
export interface ServedDevice {
  handle: RequestHandler;
  /** False while the device reboots: the server drops new connections. */
  isUp(): boolean;
  /** Set once the server listens: drops every open connection (the reboot). */
  dropConnections: () => void;
}

/**
 * Listens first and makes the device afterwards, because a device's defaults (content seed,
 * serial) derive from the port the OS chose. Requests arriving in between get 503.
 */
export async function serveDevice<D extends ServedDevice>(
  options: Pick<ListenOptions, 'host' | 'port' | 'tls'>,
  createDevice: (server: SimulatorServer) => D,
): Promise<{ server: SimulatorServer; device: D }> {
  let device: D | undefined;
  const server = await listen(
    (req, res) => {
      if (device) return device.handle(req, res);
      res.writeHead(503).end(); // only between listen() and the device's creation
    },
    {
      host: options.host ?? '127.0.0.1',
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      acceptConnection: () => device?.isUp() ?? true,
    },
  );
  const created = createDevice(server);
  created.dropConnections = () => server.destroyConnections();
  device = created;
  return { server, device: created };
}

/** The simulator handle's certificate fields: with TLS, its fingerprint and the PEM to trust as CA. */
export function certificateFields(server: SimulatorServer): { fingerprint256?: string; caPem?: string } {
  return server.certificate ? { fingerprint256: server.certificate.fingerprint256, caPem: server.certificate.cert } : {};
}

/** Throws a RangeError naming the simulator and the option when one of `names` is set but not a non-negative integer. */
export function checkNonNegativeIntegers<O extends object>(simulator: string, options: O, names: ReadonlyArray<keyof O & string>): void {
  for (const name of names) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(`${simulator}: option ${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
}
