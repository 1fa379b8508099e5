import { createHash } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { MockAgent } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceProtocolError, DeviceUnreachable, TlsVerificationFailed } from '../../../lambdas/common/errors';
import { createDeviceHttpClient, type DeviceHttpClient } from '../../../lambdas/common/http';
import { judgePeer, normalizeFingerprint } from '../../../lambdas/common/tls-trust';
import { riverbedNpmV1DeviceSchema, type DeviceConfig } from '../../../lambdas/config/schema';
import { generateSelfSignedCertificate, type SelfSignedCertificate } from '../../../simulators/common/tls';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  url: string;
  port: number;
  /** Requests that reached the handler (a rejected certificate must leave this at 0). */
  requests: number;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startHttps(certificate: SelfSignedCertificate, handler: Handler): Promise<TestServer> {
  const state = { requests: 0 };
  const server: HttpsServer = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    state.requests += 1;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    get requests() {
      return state.requests;
    },
  };
}

/** A TCP server that accepts and then says nothing: the TLS handshake never completes. */
async function startSilentTcp(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

function device(url: string, extra: Record<string, unknown> = {}): DeviceConfig {
  return riverbedNpmV1DeviceSchema.parse({ id: 'ar11-test', type: 'riverbed-npm-v1', url, secret: 'backup-runner/ar11-test', ...extra });
}

function client(config: DeviceConfig): DeviceHttpClient {
  const http = createDeviceHttpClient(config);
  cleanups.push(() => http.close());
  return http;
}

const jsonHandler: Handler = (req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ path: req.url, contentType: req.headers['content-type'] ?? null }));
};

let cert: SelfSignedCertificate;
let otherCert: SelfSignedCertificate;
let hostOnlyCert: SelfSignedCertificate;
beforeAll(async () => {
  cert = await generateSelfSignedCertificate();
  otherCert = await generateSelfSignedCertificate();
  // Valid for a DNS name only: connecting by 127.0.0.1 fails the hostname check.
  hostOnlyCert = await generateSelfSignedCertificate({ commonName: 'ar11.example.net', dnsNames: ['ar11.example.net'], ipAddresses: [] });
});

describe('createDeviceHttpClient: TLS trust per device', () => {
  it('accepts the self-signed certificate whose fingerprint is pinned', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'GET', path: '/api/x' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/api/x', contentType: null });
  });

  it('accepts a pin written in lower case without colons', async () => {
    const server = await startHttps(cert, jsonHandler);
    const pin = cert.fingerprint256.replace(/:/g, '').toLowerCase();
    const http = client(device(server.url, { tls: { fingerprint256: pin } }));
    expect((await http.request({ method: 'GET', path: '/' })).status).toBe(200);
  });

  it('lets a pin replace the hostname check (certificate names another host)', async () => {
    const server = await startHttps(hostOnlyCert, jsonHandler);
    const http = client(device(server.url, { tls: { fingerprint256: hostOnlyCert.fingerprint256 } }));
    expect((await http.request({ method: 'GET', path: '/' })).status).toBe(200);
  });

  it('refuses a certificate with another fingerprint before sending the request', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(server.url, { tls: { fingerprint256: otherCert.fingerprint256 } }));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsVerificationFailed);
    const message = (error as Error).message;
    expect(message).toMatch(/^ar11-test: /);
    expect(message).toContain(`expected ${otherCert.fingerprint256}`);
    expect(message).toContain(`presented ${cert.fingerprint256}`);
    expect(server.requests).toBe(0);
  });

  it('refuses a self-signed certificate with system CAs (Node rejects it), saying how to pin it', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(server.url));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsVerificationFailed);
    expect((error as Error).message).toContain('ar11-test');
    expect((error as Error).message).toContain('self-signed certificate');
    expect((error as Error).message).toContain('not trusted by the system CAs');
    expect((error as Error).message).toMatch(/pin the device's certificate with tls\.fingerprint256 \(openssl s_client -connect 127\.0\.0\.1:\d+ /);
    expect(server.requests).toBe(0);
  });

  it('trusts the CA given as caPem', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(server.url, { tls: { caPem: cert.cert } }));
    expect((await http.request({ method: 'GET', path: '/' })).status).toBe(200);
  });

  it('with caPem, refuses a certificate that CA did not issue', async () => {
    const server = await startHttps(otherCert, jsonHandler);
    const http = client(device(server.url, { tls: { caPem: cert.cert } }));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsVerificationFailed);
    expect((error as Error).message).toContain('not trusted by the CA in tls.caPem');
    expect(server.requests).toBe(0);
  });

  it('with caPem, keeps the hostname check', async () => {
    const server = await startHttps(hostOnlyCert, jsonHandler);
    const http = client(device(server.url, { tls: { caPem: hostOnlyCert.cert } }));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsVerificationFailed);
    expect((error as Error).message).toContain('not valid for 127.0.0.1');
    expect(server.requests).toBe(0);
  });

  it('judges every new connection, not only the first (no session resumption past the pin)', async () => {
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(200, { Connection: 'close' });
      res.end('ok');
    });
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    for (let i = 0; i < 3; i++) {
      const response = await http.request({ method: 'GET', path: '/' });
      expect(await response.text()).toBe('ok');
    }
    expect(server.requests).toBe(3);
  });
});

describe('judgePeer', () => {
  const peer = {
    host: 'h',
    port: 443,
    authorized: false,
    authorizationError: 'CERT_HAS_EXPIRED',
    fingerprint256: 'aa:bb',
    subjectAltName: undefined,
    validTo: 'Jan  1 00:00:00 2020 GMT',
  };
  it('ignores Node\'s verdict when a pin is set, and compares the fingerprint', () => {
    expect(judgePeer({ kind: 'fingerprint', fingerprint256: 'AA:BB' }, peer)).toBeUndefined();
    expect(judgePeer({ kind: 'fingerprint', fingerprint256: 'AA:BC' }, { ...peer, authorized: true })).toMatch(/expected AA:BC.*presented AA:BB/);
    expect(judgePeer({ kind: 'fingerprint', fingerprint256: 'AA:BB' }, { ...peer, fingerprint256: undefined })).toContain('no certificate');
  });
  it('requires Node\'s verdict with CA trust and says what failed', () => {
    expect(judgePeer({ kind: 'system' }, { ...peer, authorized: true })).toBeUndefined();
    expect(judgePeer({ kind: 'system' }, peer)).toContain('certificate expired on Jan  1 00:00:00 2020 GMT');
  });
  it('normalizes fingerprints', () => {
    expect(normalizeFingerprint('ab cd:EF')).toBe('AB:CD:EF');
  });
});

describe('createDeviceHttpClient: connection failures', () => {
  it('reports a refused connection as DeviceUnreachable', async () => {
    const port = await startSilentTcp().then(async (p) => {
      await cleanups.pop()!(); // close it again: nothing listens on p now
      return p;
    });
    const http = client(device(`https://127.0.0.1:${port}`));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toBe(`ar11-test: connection refused by 127.0.0.1:${port} (is the device up and the port right?)`);
  });

  it('gives up connecting after timeouts.connectSeconds (handshake never completes)', async () => {
    const port = await startSilentTcp();
    const http = client(device(`https://127.0.0.1:${port}`, { timeouts: { connectSeconds: 0.3, idleSeconds: 5 } }));
    const started = Date.now();
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toContain('within 0.3s (timeouts.connectSeconds)');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up waiting for headers after timeouts.idleSeconds', async () => {
    const server = await startHttps(cert, () => undefined /* never answers */);
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 }, timeouts: { connectSeconds: 5, idleSeconds: 0.3 } }));
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toContain('no response from 127.0.0.1');
    expect((error as Error).message).toContain('within 0.3s (timeouts.idleSeconds)');
  });

  it('reports a body that stalls for timeouts.idleSeconds as DeviceUnreachable on the stream', async () => {
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '1000' });
      res.write(Buffer.alloc(10)); // then nothing
    });
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 }, timeouts: { connectSeconds: 5, idleSeconds: 0.3 } }));
    const response = await http.request({ method: 'GET', path: '/' });
    const error = await response.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toContain('sent no data for 0.3s');
  });

  it('reports a connection reset mid-body as DeviceUnreachable on the stream', async () => {
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(200, { 'Content-Length': '100000' });
      res.write(Buffer.alloc(5000), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'GET', path: '/' });
    const error = await response.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachable);
    expect((error as Error).message).toMatch(/^ar11-test: /);
  });
});

describe('createDeviceHttpClient: bodies', () => {
  it('sends the Content-Type exactly as given (no charset added)', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'POST', path: '/t', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(await response.json()).toEqual({ path: '/t', contentType: 'application/json' });
  });

  it('streams a request body of unknown length (chunked, never buffered)', async () => {
    const server = await startHttps(cert, (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked' }));
      });
    });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 80; // 5 MiB
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    const body = Readable.from((function* () {
      for (let i = 0; i < chunks; i++) yield chunk;
    })());
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'POST', path: '/upload', headers: { 'Content-Type': 'application/octet-stream' }, body });
    expect(await response.json()).toEqual({ bytes: chunks * chunk.length, sha256: expected.digest('hex'), chunked: true });
  });

  it('returns the response body as a stream', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 9);
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-gzip', 'Content-Length': String(payload.length) });
      res.end(payload);
    });
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'GET', path: '/file' });
    expect(response.headers['content-type']).toBe('application/x-gzip');
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of response.body) {
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    expect(bytes).toBe(payload.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('json() names status, content-type and the start of a body that is not JSON', async () => {
    const html = `<html><body>${'x'.repeat(300)}END-MARKER</body></html>`;
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    const http = client(device(server.url, { tls: { fingerprint256: cert.fingerprint256 } }));
    const response = await http.request({ method: 'GET', path: '/api/y' });
    const error = await response.json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceProtocolError);
    const message = (error as Error).message;
    expect(message).toContain('ar11-test: GET /api/y answered 502');
    expect(message).toContain('content-type text/html');
    expect(message).toContain('<html><body>xxx');
    expect(message).not.toContain('END-MARKER');
  });

  it('keeps a path prefix of the device URL', async () => {
    const server = await startHttps(cert, jsonHandler);
    const http = client(device(`${server.url}/proxy/ar11`, { tls: { fingerprint256: cert.fingerprint256 } }));
    expect(await (await http.request({ method: 'GET', path: '/api/z' })).json()).toEqual({ path: '/proxy/ar11/api/z', contentType: null });
  });

  it('uses an injected dispatcher (MockAgent) and leaves closing it to its owner', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://ar11.example.net').intercept({ path: '/api/ping', method: 'GET' }).reply(200, { pong: true }).times(2);
    const http = createDeviceHttpClient(device('https://ar11.example.net'), { dispatcher: agent });
    expect(await (await http.request({ method: 'GET', path: '/api/ping' })).json()).toEqual({ pong: true });
    await http.close();
    // Still usable: the client did not close a dispatcher it does not own.
    const again = await agent.request({ origin: 'https://ar11.example.net', path: '/api/ping', method: 'GET' });
    expect(again.statusCode).toBe(200);
    await again.body.dump();
    await agent.close();
  });
});

describe('createDeviceHttpClient: close', () => {
  it('does not hang on a response body nobody reads', async () => {
    const server = await startHttps(cert, (req, res) => {
      res.writeHead(200, { 'Content-Length': '1000000' });
      res.write(Buffer.alloc(1000)); // and then stalls: a graceful close would wait for ever
    });
    const http = createDeviceHttpClient(device(server.url, { tls: { fingerprint256: cert.fingerprint256 }, timeouts: { connectSeconds: 5, idleSeconds: 60 } }), { closeGraceMs: 200 });
    const response = await http.request({ method: 'GET', path: '/' });
    const reading = response.text().catch((e: unknown) => e);
    const started = Date.now();
    await http.close();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(String(await reading)).toContain('ar11-test: the HTTP client was closed while this response was still being read');
  });
});
