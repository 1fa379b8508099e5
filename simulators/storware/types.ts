import type { SimulatorEndpoint, SimulatorListenOptions } from '../common/types';

/** Options of the Storware Backup & Recovery simulator (backups controller of seed 004, tasks and session of device-apis.md). */
export interface StorwareSimulatorOptions extends SimulatorListenOptions {
  /** Self-signed HTTPS when true (Storware listens on https://host:8181). */
  tls?: boolean;
  /** Default admin / vPr0tect. */
  login?: string;
  password?: string;
  /** Protected entities (VMs, ...) the server knows; default two generated ones. */
  entities?: Array<{ guid: string; name: string }>;
  /** Export task QUEUED -> RUNNING -> FINISHED in this time, default 600 ms. */
  exportDurationMs?: number;
  /** The backup record stays INPROGRESS this long after its task finished (the STORE step), default 200 ms. */
  storeDurationMs?: number;
  /** The RESTORE task of a restore-and-import, default 500 ms. */
  restoreDurationMs?: number;
  /** The IMPORT task that follows a finished RESTORE task, default 300 ms. */
  importDurationMs?: number;
  /** Page size of list endpoints when the request gives no `size` (an assumption: the seed names `page` and `size` only), default 25. */
  defaultPageSize?: number;
  /** Backups present at start (for the fleet audit): `ageHours` before now, SUCCESS unless said. */
  existingBackups?: Array<{ entity: string; ageHours: number; status?: StorwareBackupStatus }>;
  faults?: StorwareFaults;
}

export type StorwareBackupStatus = 'QUEUED' | 'INPROGRESS' | 'SUCCESS' | 'PARTIAL_SUCCESS' | 'FAILED' | 'SUCCESS_REMOVED';

/** Faults; the object is live: tests change it between steps. One-shot faults remove themselves when spent. */
export interface StorwareFaults {
  /** After N authenticated requests, every session expires once (401): the client must log in again. */
  expireSessionsAfterRequests?: number;
  /** Backups of exports started while set end PARTIAL_SUCCESS with this reason (all entities, or only `entity`). */
  partialSuccess?: { reason: string; entity?: string };
  /** Backups of exports started while set end FAILED with this reason. */
  backupFails?: { reason: string };
  /** Export tasks started while set end FAILED with this statusInfo. */
  taskFails?: { reason: string };
  /** RESTORE tasks of restore-and-imports started while set end FAILED with this statusInfo. */
  restoreFails?: { reason: string };
  /** The IMPORT tasks following restore-and-imports started while set end FAILED with this statusInfo (the RESTORE task finishes). */
  importFails?: { reason: string };
  /** The next `count` requests (any path) answer this 5xx status (default 503). */
  serverErrors?: { count: number; status?: number };
  /** Every login fails with 401. */
  rejectCredentials?: boolean;
  /** Finished export tasks do not name their backup (some versions leave `backup` empty). */
  taskOmitsBackup?: boolean;
  /** A Storware policy backs each exported entity up too, at the same time: the entity gets a second, newer backup the runner did not ask for. */
  policyBackupDuringExport?: boolean;
}

export interface StorwareSimRequest {
  method: string;
  /** Path with the query string. */
  url: string;
  status: number;
}

/**
 * EXPORT (a backup), RESTORE (the first half of restore-and-import) and IMPORT (the second half:
 * created when the RESTORE task finishes, device-apis.md; it names the same backup).
 */
export type StorwareTaskType = 'EXPORT' | 'RESTORE' | 'IMPORT';

export interface StorwareSimTask {
  guid: string;
  type: StorwareTaskType;
  entity: string;
  state: string;
  backup?: string;
  /** The request body as received. */
  body: unknown;
}

export interface StorwareSimulator extends SimulatorEndpoint {
  faults: StorwareFaults;
  entities: Array<{ guid: string; name: string }>;
  tasks(): StorwareSimTask[];
  /** Backup records as GET /api/backups/{guid} returns them now. */
  backups(): Array<Record<string, unknown> & { guid: string }>;
  requests(): StorwareSimRequest[];
}
