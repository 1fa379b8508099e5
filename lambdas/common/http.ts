import { PassThrough, type Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { DeviceConfig } from '../config/schema';
import { BackupRunnerError, DeviceProtocolError } from './errors';
import { toDeviceError, type NetworkErrorContext } from './http-errors';
import { silentLog, type Log } from './log';
import { createTlsConnector, tlsTrustFor } from './tls-trust';

/**
 * HTTP(S) to one device, on undici, with that device's TLS trust and timeouts.
 * Connection failures become DeviceUnreachable, certificate problems TlsVerificationFailed;
 * HTTP statuses are returned, not thrown: the driver knows what they mean.
 */
export interface DeviceHttpClient {
  request(options: DeviceRequest): Promise<DeviceResponse>;
  close(): Promise<void>;
}

export interface DeviceRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path from the device URL's origin, e.g. /api/npm.backup/1.0/backups. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable | null;
  signal?: AbortSignal;
}

export interface DeviceResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as a stream; read it or call `dump()`, or the connection is not reused. */
  body: Readable;
  json(): Promise<unknown>;
  text(): Promise<string>;
  dump(): Promise<void>;
}

/** Bodies read by json()/text() are answers and error documents, never backups: anything bigger is a protocol error. */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;
/** dump() drains this much so the connection can be reused; beyond it the connection is dropped instead. */
const DUMP_LIMIT_BYTES = 256 * 1024;
/** How long close() waits for in-flight requests before destroying the connections. */
const CLOSE_GRACE_MS = 2000;

export interface DeviceHttpClientOptions {
  /** Replaces the per-device Agent (unit tests pass an undici MockAgent). Not closed by `close()`: its owner closes it. */
  dispatcher?: Dispatcher;
  log?: Log;
  /** How long close() lets in-flight responses finish before cutting them. @default 2000 */
  closeGraceMs?: number;
}

/**
 * The HTTP client for one device: its own undici Agent with the device's TLS trust and
 * timeouts (connectSeconds for TCP + TLS, idleSeconds for headers and for every gap in the body).
 * Bodies go both ways as streams, so multi-GB backups never sit in memory.
 */
export function createDeviceHttpClient(device: DeviceConfig, options: DeviceHttpClientOptions = {}): DeviceHttpClient {
  const log = options.log ?? silentLog;
  const url = new URL(device.url);
  const origin = url.origin;
  // A device behind a path prefix (https://proxy/ar11) keeps it: request paths are appended to it.
  const basePath = url.pathname.replace(/\/+$/, '');
  const timeouts = { connectSeconds: device.timeouts?.connectSeconds ?? 10, idleSeconds: device.timeouts?.idleSeconds ?? 120 };
  const errorContext: NetworkErrorContext = {
    deviceId: device.id,
    target: url.host || url.hostname,
    connectSeconds: timeouts.connectSeconds,
    trustedBy: device.tls && 'caPem' in device.tls ? 'the CA in tls.caPem/caFile' : 'the system CAs',
    idleSeconds: timeouts.idleSeconds,
  };
  if (url.protocol === 'http:' && device.tls) {
    log.warn('device url is plain http: its tls settings are not used', { device: device.id });
  }

  const ownAgent = options.dispatcher
    ? undefined
    : new Agent({
        connect: createTlsConnector(device.id, tlsTrustFor(device), timeouts.connectSeconds * 1000),
        headersTimeout: timeouts.idleSeconds * 1000,
        bodyTimeout: timeouts.idleSeconds * 1000,
      });
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;
  /** Response bodies still streaming, so close() can end them. */
  const openBodies = new Set<Readable>();

  return {
    async request(request: DeviceRequest): Promise<DeviceResponse> {
      const started = Date.now();
      let response: Dispatcher.ResponseData;
      try {
        response = await dispatcher.request({
          origin,
          path: basePath + request.path,
          method: request.method,
          headers: request.headers ?? {},
          body: request.body ?? null,
          signal: request.signal ?? null,
        });
      } catch (error) {
        const mapped = toDeviceError(error, errorContext);
        log.debug('device request failed', { device: device.id, method: request.method, path: request.path, error: (mapped as Error).message });
        throw mapped;
      }
      log.debug('device answered', { device: device.id, method: request.method, path: request.path, status: response.statusCode, ms: Date.now() - started });
      const source = response.body;
      openBodies.add(source);
      source.once('close', () => openBodies.delete(source));
      return wrapResponse(device.id, request, response, errorContext);
    },
    async close(): Promise<void> {
      if (!ownAgent) return;
      const closing = ownAgent.close();
      // A graceful close waits for bodies nobody reads any more (a step that failed mid-download).
      // Give them a moment, then cut them (undici's destroy() after close() does not), so a
      // Lambda never hangs here.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.closeGraceMs ?? CLOSE_GRACE_MS);
      });
      const outcome = await Promise.race([closing.then(() => 'closed' as const), gaveUp]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const body of openBodies) {
          body.destroy(new BackupRunnerError('the HTTP client was closed while this response was still being read', { deviceId: device.id }));
        }
        await closing;
      }
    },
  };
}

/**
 * Puts the undici body behind a PassThrough so that a failure while the caller reads it (reset,
 * idle timeout) arrives as DeviceUnreachable like any other connection failure. `pipe` keeps
 * back-pressure, so nothing is buffered beyond the streams' high-water marks.
 */
function wrapResponse(deviceId: string, request: DeviceRequest, response: Dispatcher.ResponseData, errorContext: NetworkErrorContext): DeviceResponse {
  const source = response.body;
  const body = new PassThrough();
  source.on('error', (error) => body.destroy(toDeviceError(error, errorContext) as Error));
  body.on('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(body);

  const status = response.statusCode;
  const contentType = () => {
    const value = response.headers['content-type'];
    return (Array.isArray(value) ? value[0] : value) ?? '(none)';
  };
  const text = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      length += buffer.length;
      if (length > MAX_TEXT_BYTES) {
        body.destroy();
        throw new DeviceProtocolError(
          `${request.method} ${request.path} answered ${status} with more than ${MAX_TEXT_BYTES} bytes of ${contentType()} where a short document was expected`,
          { deviceId },
        );
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  return {
    status,
    headers: response.headers,
    body,
    text,
    async json(): Promise<unknown> {
      const raw = await text();
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        const start = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
        throw new DeviceProtocolError(
          `${request.method} ${request.path} answered ${status} with a body that is not JSON (content-type ${contentType()}): ${raw.length ? JSON.stringify(start) : '(empty body)'}`,
          { deviceId },
        );
      }
    },
    async dump(): Promise<void> {
      let seen = 0;
      try {
        for await (const chunk of body) {
          seen += (chunk as Buffer).length;
          if (seen > DUMP_LIMIT_BYTES) break; // leaving the loop destroys the stream and drops the connection
        }
      } catch {
        // Discarding a body: how it ends does not matter.
      }
    },
  };
}
