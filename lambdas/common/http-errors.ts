import { BackupRunnerError, DeviceUnreachable, TlsVerificationFailed } from './errors';
import { describeCertificateProblem } from './tls-trust';

/** What the translation needs to say in plain words. */
export interface NetworkErrorContext {
  deviceId: string;
  /** host:port of the device. */
  target: string;
  connectSeconds: number;
  idleSeconds: number;
  /** Whom the device's TLS config trusts, in words, for certificate errors. */
  trustedBy?: string;
}

/** Node/OpenSSL certificate verification codes (what Node would throw with rejectUnauthorized). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/**
 * The failure of a connection, in plain words, or undefined when the error is not about the
 * network (a caller's abort, an invalid argument, a failing request-body stream): those are
 * passed on unchanged, because calling them "unreachable" would send the workflow retrying
 * something a retry cannot cure.
 */
export function describeNetworkError(error: unknown, context: NetworkErrorContext): string | undefined {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${context.target} (is the device up and the port right?)`;
    case 'ECONNRESET':
      return `the connection to ${context.target} was reset`;
    case 'EPIPE':
      return `the connection to ${context.target} was closed while sending`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no connection to ${context.target} within ${context.connectSeconds}s (timeouts.connectSeconds)`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `no response from ${context.target} within ${context.idleSeconds}s (timeouts.idleSeconds)`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `${context.target} sent no data for ${context.idleSeconds}s while sending the response body (timeouts.idleSeconds)`;
    case 'UND_ERR_SOCKET':
      return `the connection to ${context.target} broke: ${detail}`;
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return `the HTTP client for ${context.target} was closed before the request finished`;
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return `${context.target} ended the response before its announced Content-Length`;
    case 'ENOTFOUND':
      return `the host name of ${context.target} does not resolve (DNS)`;
    case 'EAI_AGAIN':
      return `the host name of ${context.target} could not be resolved now (temporary DNS failure)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `no route to ${context.target} (${code})`;
    default:
      if (code?.startsWith('HPE_')) return `${context.target} answered something that is not HTTP: ${detail}`;
      return undefined;
  }
}

/** Maps a failure of undici to the runner's typed errors (see describeNetworkError for what stays as it is). */
export function toDeviceError(error: unknown, context: NetworkErrorContext): unknown {
  if (error instanceof BackupRunnerError) return error;
  const code = errorCode(error);
  if (code && CERTIFICATE_CODES.has(code)) {
    const problem = describeCertificateProblem(code, { host: context.target, subjectAltName: undefined, validTo: undefined });
    const hint =
      `; pin the device's certificate with tls.fingerprint256 (openssl s_client -connect ${context.target} </dev/null | ` +
      'openssl x509 -noout -fingerprint -sha256) or give the CA that issued it with tls.caFile';
    return new TlsVerificationFailed(`TLS certificate of ${context.target} is not trusted by ${context.trustedBy ?? 'the system CAs'}: ${problem}${hint}`, {
      deviceId: context.deviceId,
      cause: error,
    });
  }
  if (code?.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    // A handshake that fails outright is rarely cured by waiting: wrong scheme or port, or ciphers.
    return new TlsVerificationFailed(`TLS handshake with ${context.target} failed (is it an HTTPS port?): ${(error as Error).message}`, {
      deviceId: context.deviceId,
      cause: error,
    });
  }
  const words = describeNetworkError(error, context);
  if (words === undefined) return error;
  return new DeviceUnreachable(words, { deviceId: context.deviceId, cause: error });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // autoSelectFamily reports every attempted address in an AggregateError; the first says enough.
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}
