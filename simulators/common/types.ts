/** Where a simulator listens: the options every simulator takes. */
export interface SimulatorListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Self-signed HTTPS when true. */
  tls?: boolean;
}

/** How to reach a running simulator: what every simulator handle has. */
export interface SimulatorEndpoint {
  /** e.g. https://127.0.0.1:43211 (no trailing slash). */
  url: string;
  /** With tls: SHA-256 of the certificate, "AB:CD:...". */
  fingerprint256?: string;
  /** With tls: the self-signed certificate itself, to trust as CA. */
  caPem?: string;
  close(): Promise<void>;
}
