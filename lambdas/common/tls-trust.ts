import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { DeviceConfig } from '../config/schema';
import { ConfigError, TlsVerificationFailed } from './errors';

/**
 * Per-device TLS trust. Appliances ship self-signed certificates, so every device says whom
 * it trusts: the system CAs, one CA certificate, or exactly one certificate by fingerprint.
 * The decision is made on the connected socket, before undici sends a byte of the request,
 * and it applies to that device's connections only (never a process-wide switch).
 */
export type TlsTrust =
  | { kind: 'system' }
  | { kind: 'ca'; caPem: string }
  | { kind: 'fingerprint'; fingerprint256: string };

/** The trust a device's config asks for. `caFile` must have been read into `caPem` by the config loader. */
export function tlsTrustFor(device: DeviceConfig): TlsTrust {
  const tls = device.tls;
  if (!tls) return { kind: 'system' };
  if ('fingerprint256' in tls) return { kind: 'fingerprint', fingerprint256: normalizeFingerprint(tls.fingerprint256) };
  if ('caPem' in tls) return { kind: 'ca', caPem: tls.caPem };
  throw new ConfigError(`device ${device.id}: tls.caFile ${tls.caFile} was not read; load the config with loadConfigFile/parseConfig, which turns caFile into caPem`);
}

/** "ab cd ..." / "abcd..." / "AB:CD:..." -> "AB:CD:...", so pins compare whatever way they were written. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** What the TLS handshake told us about the peer; a plain object so the decision is a pure function. */
export interface PeerFacts {
  host: string;
  port: string | number;
  /** Node's verdict with the chain and hostname checks: true only when both passed. */
  authorized: boolean;
  /** Node's reason when not authorized, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  authorizationError: string | undefined;
  /** Leaf certificate's SHA-256 fingerprint, "AB:CD:...", undefined when the peer sent none. */
  fingerprint256: string | undefined;
  subjectAltName: string | undefined;
  validTo: string | undefined;
}

/** Why this peer is not to be trusted, or undefined when it is. */
export function judgePeer(trust: TlsTrust, peer: PeerFacts): string | undefined {
  const actual = peer.fingerprint256 ? normalizeFingerprint(peer.fingerprint256) : undefined;
  if (trust.kind === 'fingerprint') {
    // The pin replaces the chain and hostname checks: the certificate is the identity.
    if (actual === trust.fingerprint256) return undefined;
    return (
      `TLS certificate of ${peer.host}:${peer.port} does not match the pinned fingerprint: ` +
      `expected ${trust.fingerprint256} (tls.fingerprint256), the device presented ${actual ?? 'no certificate'}. ` +
      'If the certificate was replaced on purpose, pin the new fingerprint.'
    );
  }
  if (peer.authorized) return undefined;
  const source = trust.kind === 'ca' ? 'the CA in tls.caPem/caFile' : 'the system CAs';
  const reason = describeCertificateProblem(peer.authorizationError, peer);
  const hint = actual
    ? `; pin its fingerprint (tls.fingerprint256: "${actual}") or give the CA that issued it (tls.caFile)`
    : '; the device sent no certificate';
  return `TLS certificate of ${peer.host}:${peer.port} is not trusted by ${source}: ${reason}${hint}`;
}

/** Node's verification codes in plain words. */
export function describeCertificateProblem(code: string | undefined, peer: Pick<PeerFacts, 'host' | 'subjectAltName' | 'validTo'>): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'self-signed certificate';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'the chain ends in a self-signed CA that is not trusted';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'certificate issued by an unknown CA';
    case 'CERT_HAS_EXPIRED':
      return `certificate expired${peer.validTo ? ` on ${peer.validTo}` : ''}`;
    case 'CERT_NOT_YET_VALID':
      return 'certificate is not valid yet (check the clocks)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return `certificate is not valid for ${peer.host} (it names ${peer.subjectAltName ?? 'no alternative names'})`;
    case undefined:
      return 'certificate verification failed';
    default:
      return `certificate verification failed (${code})`;
  }
}

function peerFacts(socket: TLSSocket, host: string, port: string | number): PeerFacts {
  const cert = socket.getPeerCertificate();
  // getPeerCertificate() returns {} when the peer sent no certificate.
  const hasCert = cert && typeof cert.fingerprint256 === 'string' && cert.fingerprint256 !== '';
  const error = socket.authorizationError as unknown;
  return {
    host,
    port,
    authorized: socket.authorized,
    authorizationError: error === undefined || error === null ? undefined : error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error),
    fingerprint256: hasCert ? cert.fingerprint256 : undefined,
    subjectAltName: hasCert ? cert.subjectaltname : undefined,
    validTo: hasCert ? cert.valid_to : undefined,
  };
}

/**
 * An undici connector for one device. With CA trust (system CAs or tls.caPem) Node itself
 * rejects a certificate that fails the chain or hostname check, and `judgePeer` confirms the
 * verdict. With a pinned fingerprint the chain check cannot pass (the certificate is
 * self-signed), so for this connector only the pin takes its place: `judgePeer` compares the
 * leaf fingerprint on the connected socket and destroys it before undici sends a byte.
 */
export function createTlsConnector(deviceId: string, trust: TlsTrust, connectTimeoutMs: number): buildConnector.connector {
  const base = buildConnector({
    timeout: connectTimeoutMs,
    rejectUnauthorized: trust.kind !== 'fingerprint',
    ...(trust.kind === 'ca' ? { ca: trust.caPem } : {}),
    // No TLS session resumption: every connection shows its certificate and is judged again.
    maxCachedSessions: 0,
    allowH2: false,
  });
  return (options, callback) => {
    base(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('connector returned no socket'), null);
        return;
      }
      if (options.protocol !== 'https:') {
        callback(null, socket);
        return;
      }
      const tlsSocket = socket as TLSSocket;
      const problem = judgePeer(trust, peerFacts(tlsSocket, options.hostname, options.port || 443));
      if (problem) {
        tlsSocket.destroy();
        callback(new TlsVerificationFailed(problem, { deviceId }), null);
        return;
      }
      callback(null, socket);
    });
  };
}
