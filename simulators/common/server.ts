import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generateSelfSignedCertificate, type SelfSignedCertificate } from './tls';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ListenOptions {
  host?: string;
  port?: number;
  /** Self-signed HTTPS when true. */
  tls?: boolean;
  /** Called for every new TCP connection; false destroys it at once (a rebooting device). */
  acceptConnection?: () => boolean;
}

/** A listening HTTP(S) server on loopback with the bookkeeping simulators need. */
export interface SimulatorServer {
  /** Base URL without a trailing slash. */
  url: string;
  port: number;
  certificate?: SelfSignedCertificate;
  /** Destroys every open connection (in-flight requests die, as in a reboot). */
  destroyConnections(): void;
  close(): Promise<void>;
}

/**
 * Starts a server for `handler`. Timeouts are off: a 4 GiB upload or a throttled download
 * must not be cut by Node's default request timeout; the clients under test own their timeouts.
 */
export async function listen(handler: RequestHandler, options: ListenOptions = {}): Promise<SimulatorServer> {
  const host = options.host ?? '127.0.0.1';
  const certificate = options.tls ? await generateSelfSignedCertificate() : undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      // A simulator bug: answer 500 if we still can, so the test shows it instead of hanging.
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        res.destroy();
      }
    });
  };
  const serverOptions = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 };
  const server: Server = certificate
    ? createHttpsServer({ ...serverOptions, key: certificate.key, cert: certificate.cert }, onRequest)
    : createHttpServer(serverOptions, onRequest);
  server.timeout = 0;

  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    if (options.acceptConnection && !options.acceptConnection()) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // TLS handshake failures (e.g. a client that rejects the certificate) are expected in tests.
  server.on('tlsClientError', () => {});
  server.on('clientError', (_error, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${certificate ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    ...(certificate ? { certificate } : {}),
    destroyConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
