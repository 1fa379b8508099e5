import type { SimulatorEndpoint, SimulatorListenOptions } from '../common/types';

/** Options of the Riverbed npm.backup 2.0 simulator (backup servers / filers, seed 001). */
export interface NpmV2SimulatorOptions extends SimulatorListenOptions {
  /** Default admin / admin. */
  username?: string;
  password?: string;
  /** Bytes of each generated backup, default 2 MiB (generated on the fly). */
  backupSize?: number;
  /** From start to completed, default 800 ms; progress steps advance over it. */
  backupDurationMs?: number;
  /** Restore reboot: connections are refused this long, default 1500 ms. */
  rebootMs?: number;
  /**
   * The reboot also lasts until it has refused this many connections or requests, default 0. Tests
   * that must see the reboot set it: a window of rebootMs alone can pass unseen on a loaded machine.
   */
  rebootRefusals?: number;
  hostname?: string;
  model?: string;
  serial?: string;
  swVersion?: string;
  seed?: number;
  /**
   * Servers the device already has besides its built-in local server "local" (id 1). Remote
   * servers write their backups into `path` on this machine, the directory an sshd serves.
   */
  servers?: Array<{ name: string; host: string; port: number; path: string; user: string; desc?: string }>;
  faults?: NpmV2Faults;
}

/** Faults; the object is live. One-shot faults remove themselves when spent. */
export interface NpmV2Faults {
  /** After N authenticated requests, every token becomes invalid once (401). */
  revokeTokensAfterRequests?: number;
  /** Uploads keep only their first N bytes (a full disk): the upload's record then shows that size. */
  uploadKeepsBytes?: number;
  /** The next `count` requests answer this 5xx status (default 503). */
  serverErrors?: { count: number; status?: number };
  /** Backups started while set end `failed` with a status_message. */
  backupFails?: boolean;
  /** Restores started while set end `failed`. */
  restoreFails?: boolean;
  /** The next `count` backup starts answer 409 "Another backup operation is in progress" (a backup someone else started). */
  busyStarts?: number;
  rejectCredentials?: boolean;
  /** Downloads from the local server: destroy the socket after this many body bytes. */
  resetDownloadAtByte?: number;
  /** Downloads from the local server: end cleanly (chunked, no Content-Length) after this many bytes. */
  truncateDownloadAtByte?: number;
  /** Downloads from the local server: throttle to about this many bytes a second. */
  bytesPerSecond?: number;
}

export interface NpmV2SimBackup {
  id: string;
  name: string;
  desc: string;
  serverId: number;
  status: string;
  size: number;
  uploaded: boolean;
  /** SHA-256 of the bytes: generated content's digest, or the received bytes of an upload. */
  sha256: string;
  contents: unknown;
  /** Remote servers: the file the device wrote on the filer. */
  filePath?: string;
}

export interface NpmV2SimServer {
  id: number;
  name: string;
  host: string;
  port: number;
  path: string;
  user: string;
  local: boolean;
  /** Whether a private key was set when the server was created. */
  keySet: boolean;
}

export interface NpmV2SimRequest {
  method: string;
  path: string;
  status: number;
  /** JSON request bodies, for assertions (never file uploads). */
  body?: unknown;
}

export interface NpmV2Simulator extends SimulatorEndpoint {
  seed: number;
  faults: NpmV2Faults;
  servers(): NpmV2SimServer[];
  backups(): NpmV2SimBackup[];
  restores(): Array<{ backupId: string; status: string; contents: unknown }>;
  requests(): NpmV2SimRequest[];
}
