import type { LocalRunResult } from '../local/run-backups';

/** One simulated appliance in `backup-runner demo`: its config entry, its secrets, and what it served. */
export interface DemoDevice {
  /** The device's entry in the demo config (id, type, url, secret, tls, ...). */
  config: Record<string, unknown>;
  /** Secret name -> value, standing in for Secrets Manager. */
  secrets: Record<string, unknown>;
  /** The bytes the device served for this run, to compare with the archive; undefined when it cannot tell. */
  served(result: LocalRunResult): Promise<{ size: number; sha256: string } | undefined>;
  /** Files the device received by upload for a restore, oldest first; only on the device the demo restores. */
  receivedUploads?(): Array<{ size: number; sha256: string }>;
  close(): Promise<void>;
}

/** Starts a simulator and describes it; `workDir` is a temp folder the demo removes afterwards. */
export type DemoDeviceFactory = (context: { workDir: string }) => Promise<DemoDevice>;
