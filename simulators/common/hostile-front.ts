import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readSmallBody, sendJson } from './http';
import { listen } from './server';
import type { SimulatorEndpoint } from './types';

/**
 * A misbehaving device, put in front of any simulated one: an HTTP(S) server that passes requests
 * through to the device unless a fault rule matches, and then answers as careless firmware does,
 * echoing the request it could not handle: the line, the headers (Authorization, SEC, cookies),
 * and the body (login JSON, a push password, a private key). Real appliances do this ("cannot
 * parse {...}"), and so do proxies in front of them. The runner must never let what is echoed
 * reach its errors, logs or events unscrubbed.
 */

/** How a matched request is answered. */
export type HostileAnswer =
  /** 400 whose error text is the whole request. */
  | 'echo-400'
  /** 401 whose error text quotes the credentials it was given (Basic decoded, token headers, the body). */
  | 'quote-401'
  /** 503 whose error text is the whole request: retried by the client, so it is echoed again and again. */
  | 'echo-503';

/** How the vendor spells its error document; the echo goes into every text field of it. */
export type ErrorDocumentStyle = 'riverbed' | 'qradar' | 'storware';

export interface HostileRule {
  readonly method?: string;
  /** Requests whose path matches. */
  readonly path: RegExp;
  readonly answer: HostileAnswer;
  /** Characters of filler after the echo: a device that answers 400 KiB of error text. @default 0 */
  readonly padding?: number;
  /** Only this many matching requests; then they pass through. @default every one */
  count?: number;
}

export interface HostileFrontOptions {
  /** The device behind, e.g. a simulator's url. Its certificate is not checked: it is ours. */
  readonly upstream: string;
  readonly document: ErrorDocumentStyle;
  /** Serve HTTPS with a fresh self-signed certificate. @default true when the upstream is https */
  readonly tls?: boolean;
  /** Live: a test may change them between runs. */
  readonly rules: HostileRule[];
}

export interface HostileFront extends SimulatorEndpoint {
  /** Requests answered by a rule, in order. */
  faulted(): Array<{ method: string; path: string; status: number }>;
}

/** Starts the front on loopback. */
export async function startHostileFront(options: HostileFrontOptions): Promise<HostileFront> {
  const upstream = new URL(options.upstream);
  const faulted: Array<{ method: string; path: string; status: number }> = [];
  const server = await listen(
    async (req, res) => {
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://device').pathname;
      const rule = options.rules.find((r) => (r.method === undefined || r.method === method) && r.path.test(path) && (r.count === undefined || r.count > 0));
      if (!rule) return passThrough(req, res, upstream);
      if (rule.count !== undefined) rule.count -= 1;
      const body = await readSmallBody(req, 16 * 1024 * 1024).catch(() => Buffer.from('(body too large)'));
      const status = rule.answer === 'echo-400' ? 400 : rule.answer === 'quote-401' ? 401 : 503;
      const echo = echoText(rule.answer, method, req.url ?? '/', req.headers, body.toString('utf8')) + 'x'.repeat(rule.padding ?? 0);
      faulted.push({ method, path, status });
      sendJson(res, status, errorDocument(options.document, status, echo));
    },
    { tls: options.tls ?? upstream.protocol === 'https:' },
  );
  return {
    url: server.url,
    ...(server.certificate ? { fingerprint256: server.certificate.fingerprint256, caPem: server.certificate.cert } : {}),
    faulted: () => [...faulted],
    close: () => server.close(),
  };
}

/** What a careless device says about a request it refuses. */
export function echoText(answer: HostileAnswer, method: string, url: string, headers: IncomingHttpHeaders, body: string): string {
  const request = `${method} ${url} headers ${JSON.stringify(headers)} body ${body}`;
  if (answer !== 'quote-401') return `cannot handle request: ${request}`;
  const basic = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : undefined;
  return `invalid credentials${decoded ? ` ${decoded}` : ''}${headers.sec ? ` SEC ${String(headers.sec)}` : ''}: ${body || request}`;
}

function errorDocument(style: ErrorDocumentStyle, status: number, text: string): Record<string, unknown> {
  switch (style) {
    case 'riverbed':
      return { error_id: status === 401 ? 'AUTH_INVALID_CREDENTIALS' : status === 400 ? 'BAD_REQUEST' : 'SERVICE_UNAVAILABLE', error_text: text };
    case 'qradar':
      return { http_response: { code: status, message: text }, code: status === 401 ? 11 : 1020, message: text, description: text, details: {} };
    case 'storware':
      return { message: text, error: text };
  }
}

/** Forwards the request to the device unchanged (but for Host) and streams its answer back. */
function passThrough(req: IncomingMessage, res: ServerResponse, upstream: URL): Promise<void> {
  return new Promise<void>((resolve) => {
    const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
    const forward = send(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        rejectUnauthorized: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    forward.on('error', () => {
      // The device went away (a reboot): so does the answer.
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      forward.destroy();
      resolve();
    });
    req.pipe(forward);
  });
}
