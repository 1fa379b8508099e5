import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/** A self-signed certificate as appliances ship them: the cert is its own CA. */
export interface SelfSignedCertificate {
  /** Private key, PKCS#8 PEM. */
  key: string;
  /** The certificate, PEM. Trust it as the CA (it signed itself). */
  cert: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by colons ("AB:CD:..."), as the config's `tls.fingerprint256`. */
  fingerprint256: string;
}

export interface SelfSignedCertificateOptions {
  /** Subject common name; default `localhost`. */
  commonName?: string;
  /** IP subject alternative names; default 127.0.0.1 and ::1. */
  ipAddresses?: string[];
  /** DNS subject alternative names; default `localhost`. */
  dnsNames?: string[];
  /** Validity in days from now; default 365. */
  days?: number;
}

/**
 * Generates a fresh self-signed certificate for a simulator. EC P-256 because it is generated
 * in milliseconds (RSA takes long enough to slow a test suite that starts many simulators).
 * The SANs cover loopback so that a client trusting the cert as CA also passes the hostname check.
 */
export async function generateSelfSignedCertificate(options: SelfSignedCertificateOptions = {}): Promise<SelfSignedCertificate> {
  const commonName = options.commonName ?? 'localhost';
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1', '::1'];
  const dnsNames = options.dnsNames ?? ['localhost'];
  const notBeforeDate = new Date(Date.now() - 60_000); // tolerate small clock differences
  const notAfterDate = new Date(notBeforeDate.getTime() + (options.days ?? 365) * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      // cA: true so OpenSSL accepts the certificate as a trust anchor when passed as `ca`.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ipAddresses.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}
