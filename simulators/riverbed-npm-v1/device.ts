import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentChunks, contentDigest } from '../common/content';
import { pumpBody } from '../common/download';
import { drainBody, mediaType, readSmallBody, sendEmpty, sendJson } from '../common/http';
import { takeServerError } from '../common/faults';
import { decideRange } from '../common/range';
import { RebootWindow } from '../common/reboot';
import { routeRequest, type Route } from '../common/routes';
import {
  backupStatus,
  backupView,
  restoreState,
  restoreStatusView,
  TokenStore,
  type BackupEntry,
  type DeviceIdentity,
  type RestoreEntry,
} from './state';
import type { NpmV1Faults, SimBackupRecord, SimRequestRecord, SimRestoreRecord, SimUploadRecord } from './types';

export const API_BASE = '/api/npm.backup/1.0';
/** The appliance keeps at most this many backups (generated and uploaded alike). */
export const MAX_BACKUPS = 2;

export interface DeviceSettings {
  identity: DeviceIdentity;
  username: string;
  password: string;
  backupSize: number;
  backupDurationMs: number;
  uploadProcessingMs: number;
  rebootMs: number;
  rebootRefusals: number;
  /** The device's clock minus the real one (ms). */
  clockSkewMs: number;
  tokenApi: '2.0' | '1.0';
  tokenTtlSeconds: number;
  seed: number;
  /** The address the server listens on, reported by /api/common/1.0/info. */
  host: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

/**
 * One simulated AppResponse: the npm.backup 1.0 resources of seed 000, the mgmt.aaa token login
 * and common/1.0/info, with the behaviour device-apis.md describes (two-backup limit, 415 on a
 * Content-Type with parameters at login, reboot on restore) and the faults of NpmV1Faults.
 */
export class NpmV1Device {
  readonly faults: NpmV1Faults;
  private readonly entries = new Map<string, BackupEntry>();
  private readonly restoreLog: RestoreEntry[] = [];
  private readonly requestLog: SimRequestRecord[] = [];
  private readonly uploadLog: SimUploadRecord[] = [];
  private readonly tokens: TokenStore;
  private nextId = 1;
  private readonly reboot: RebootWindow;
  private readonly routes: Array<Route<Handler>>;

  /** Set by the server once listening: drops every open connection (the reboot). */
  dropConnections: () => void = () => {};

  constructor(
    private readonly settings: DeviceSettings,
    faults: NpmV1Faults,
    existing: Array<{ description: string; backup_time?: number }>,
    private readonly now: () => number = Date.now,
  ) {
    this.faults = faults;
    this.tokens = new TokenStore(settings.tokenTtlSeconds);
    this.reboot = new RebootWindow(settings.rebootRefusals);
    const at = this.now();
    for (const backup of existing) {
      const backupTime = backup.backup_time ?? Math.floor(at / 1000) - 86_400;
      this.addEntry({ description: backup.description, origin: 'generated', createdAt: backupTime * 1000, backupTime, readyAt: 0, size: settings.backupSize, fails: false });
    }
    const api = API_BASE.replaceAll('.', '\\.');
    const id = '([^/]+)';
    this.routes = [
      { pattern: /^\/api\/common\/1\.0\/info$/, auth: false, methods: { GET: (q, s) => this.info(q, s) } },
      { pattern: /^\/api\/mgmt\.aaa\/(1\.0|2\.0)\/token$/, auth: false, methods: { POST: (q, s, p) => this.login(q, s, p) } },
      { pattern: new RegExp(`^${api}$`), auth: false, methods: { GET: (q, s) => this.serviceDefinition(q, s) } },
      { pattern: new RegExp(`^${api}/backups$`), auth: true, methods: { GET: (q, s) => this.list(q, s), POST: (q, s) => this.create(q, s) } },
      { pattern: new RegExp(`^${api}/backups/upload$`), auth: true, methods: { POST: (q, s) => this.upload(q, s) } },
      {
        pattern: new RegExp(`^${api}/backups/items/${id}$`),
        auth: true,
        methods: { GET: (q, s, p) => this.get(q, s, p), DELETE: (q, s, p) => this.remove(q, s, p) },
      },
      { pattern: new RegExp(`^${api}/backups/items/${id}/file$`), auth: true, methods: { GET: (q, s, p) => this.download(q, s, p) } },
      { pattern: new RegExp(`^${api}/backups/items/${id}/restore$`), auth: true, methods: { POST: (q, s, p) => this.restore(q, s, p) } },
      { pattern: new RegExp(`^${api}/restore_status$`), auth: true, methods: { GET: (q, s) => this.restoreStatus(q, s) } },
    ];
  }

  /** False while the device reboots after a restore: the server drops new connections. */
  isUp(): boolean {
    return this.reboot.admits(this.now());
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://device').pathname;
    res.on('close', () => this.requestLog.push({ method, path, status: res.headersSent ? res.statusCode : 0 }));

    if (!this.isUp()) {
      // A keep-alive connection that outlived the reboot's first cut: it dies like the rest.
      req.socket.destroy();
      return;
    }
    if (this.answerServerErrorFault(req, res)) return;

    const route = routeRequest(this.routes, method, path, () => this.authenticate(req));
    switch (route.kind) {
      case 'serve':
        return route.handler(req, res, route.params);
      case 'method-not-allowed':
        return this.fail(req, res, 405, 'BAD_REQUEST', `Method ${method} is not allowed on ${path}`);
      case 'unauthenticated':
        return this.fail(req, res, 401, 'AUTH_REQUIRED', 'Authentication required: missing, expired or revoked bearer token');
      case 'not-found':
        return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `No resource at ${path}`);
    }
  }

  backups(): SimBackupRecord[] {
    const now = this.now();
    return [...this.entries.values()].map((entry) => {
      const settings = this.settings;
      return {
        id: entry.id,
        description: entry.description,
        status: backupStatus(entry, now),
        size: entry.size,
        // A getter, so listing a 4 GiB backup does not hash 4 GiB unless a test asks for it.
        get sha256(): string {
          if (entry.sha256 === undefined && entry.origin === 'generated') {
            entry.sha256 = contentDigest({ seed: settings.seed, id: contentId(entry), size: entry.size }).sha256;
          }
          return entry.sha256 ?? '';
        },
        backup_time: entry.backupTime,
        uploaded: entry.origin === 'uploaded',
      };
    });
  }

  /**
   * The device's file for a generated backup changes in place (other bytes, optionally another
   * size), as a file rewritten between two downloads would: tests of resumed transfers use it.
   */
  replaceBackupFile(id: string, change: { size?: number } = {}): void {
    const entry = this.entries.get(id);
    if (!entry || entry.origin !== 'generated') throw new Error(`simulator: no generated backup ${id} to replace`);
    entry.revision = (entry.revision ?? 0) + 1;
    if (change.size !== undefined) entry.size = change.size;
    delete entry.sha256;
  }

  restores(): SimRestoreRecord[] {
    const now = this.now();
    return this.restoreLog.map((r) => {
      const state = restoreState(r, now);
      return { backupId: r.backupId, startedAt: r.startedAt, status: state === 'completed' && r.outcome ? r.outcome.status : state };
    });
  }

  uploads(): SimUploadRecord[] {
    return this.uploadLog.map((u) => ({ ...u }));
  }

  requests(): SimRequestRecord[] {
    return this.requestLog.map((r) => ({ ...r }));
  }

  // ---- faults and auth ----

  private answerServerErrorFault(req: IncomingMessage, res: ServerResponse): boolean {
    const status = takeServerError(this.faults);
    if (status === undefined) return false;
    void this.fail(req, res, status, 'INTERNAL_ERROR', `Simulated server error ${status} on ${this.settings.identity.hostname} (faults.serverErrors)`);
    return true;
  }

  private authenticate(req: IncomingMessage): boolean {
    return this.tokens.authenticate(req.headers.authorization, this.now(), this.faults);
  }

  // ---- handlers ----

  private async info(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { identity } = this.settings;
    sendJson(res, 200, {
      sw_version: identity.swVersion,
      hostname: identity.hostname,
      device_name: identity.hostname,
      model: identity.model,
      serial: identity.serial,
      hw_version: 'SIMULATED',
      mgmt_addresses: [this.settings.host],
    });
  }

  private async serviceDefinition(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(res, 200, {
      id: 'npm.backup',
      version: '1.0',
      title: 'Backup and Restore v1.0',
      resources: {
        backup: { path: `${API_BASE}/backups/items/{id}`, links: ['get', 'delete', 'download', 'restore'] },
        backups: { path: `${API_BASE}/backups`, links: ['get', 'create', 'upload', 'reset_factory'] },
        restore_status: { path: `${API_BASE}/restore_status`, links: ['get'] },
      },
    });
  }

  private async login(req: IncomingMessage, res: ServerResponse, [version]: string[]): Promise<void> {
    if (version !== this.settings.tokenApi) {
      return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `No token service mgmt.aaa/${version} on this software version (use ${this.settings.tokenApi})`);
    }
    // Real devices answer 415 even to "application/json; charset=utf-8".
    const contentType = req.headers['content-type'];
    if ((contentType ?? '').trim().toLowerCase() !== 'application/json') {
      return this.fail(req, res, 415, 'BAD_REQUEST', `Unsupported Content-Type "${contentType ?? ''}": send exactly application/json`);
    }
    const body = await this.readJson(req, res);
    if (body === undefined) return;
    const credentials = (body as { user_credentials?: { username?: unknown; password?: unknown } } | null)?.user_credentials;
    if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
      return this.fail(req, res, 400, 'BAD_REQUEST', 'Body must be {"user_credentials":{"username":...,"password":...},"generate_refresh_token":false}');
    }
    if (this.faults.rejectCredentials || credentials.username !== this.settings.username || credentials.password !== this.settings.password) {
      return this.fail(req, res, 401, 'AUTH_INVALID_CREDENTIALS', 'Invalid username or password');
    }
    const { token, expiresAt } = this.tokens.issue(this.now());
    sendJson(res, 201, { access_token: token, expires_at: Math.floor(expiresAt / 1000), token_type: 'bearer' });
  }

  private async list(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = this.now();
    sendJson(res, 200, { items: [...this.entries.values()].map((e) => this.viewOf(e, now)) });
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.readJson(req, res, true);
    if (body === undefined) return;
    const description = (body as { description?: unknown } | null)?.description;
    if (description !== undefined && typeof description !== 'string') {
      return this.fail(req, res, 400, 'BAD_REQUEST', 'description must be a string');
    }
    if (this.entries.size >= MAX_BACKUPS) return this.failFull(req, res);
    const now = this.now();
    const entry = this.addEntry({
      description: description ?? '',
      origin: 'generated',
      createdAt: now,
      backupTime: this.deviceSeconds(now),
      readyAt: now + this.settings.backupDurationMs,
      size: this.settings.backupSize,
      fails: this.faults.backupFails === true,
    });
    sendJson(res, 201, this.viewOf(entry, now));
  }

  /** A real instant as the device's own clock gives it, in epoch seconds. */
  private deviceSeconds(ms: number): number {
    return Math.floor((ms + this.settings.clockSkewMs) / 1000);
  }

  /** A backup as the API shows it; `size` is optional in the seed, and faults.omitSize leaves it out. */
  private viewOf(entry: BackupEntry, now: number): Record<string, string | number> {
    const view = backupView(entry, this.settings.identity, now);
    if (this.faults.omitSize) delete view.size;
    return view;
  }

  private async get(req: IncomingMessage, res: ServerResponse, [id]: string[]): Promise<void> {
    const entry = this.entries.get(id!);
    if (!entry) return this.failUnknown(req, res, id!);
    if (this.faults.garbage === 'non-json') {
      const html = '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
      res.end(html);
      return;
    }
    const view = this.viewOf(entry, this.now());
    if (this.faults.garbage === 'unknown-status') view.status = 'exploded';
    sendJson(res, 200, view);
  }

  private async remove(req: IncomingMessage, res: ServerResponse, [id]: string[]): Promise<void> {
    if (!this.entries.delete(id!)) return this.failUnknown(req, res, id!);
    sendEmpty(res, 204);
  }

  private async download(req: IncomingMessage, res: ServerResponse, [id]: string[]): Promise<void> {
    const entry = this.entries.get(id!);
    if (!entry) return this.failUnknown(req, res, id!);
    const status = backupStatus(entry, this.now());
    if (status !== 'completed') {
      return this.fail(req, res, 409, 'BAD_REQUEST', `Backup ${entry.id} on ${this.settings.identity.hostname} is not completed (status ${status}); its file cannot be downloaded`);
    }
    if (entry.origin === 'uploaded') {
      // Uploads are hashed and counted, never stored, so their bytes cannot be served back.
      return this.fail(req, res, 500, 'INTERNAL_ERROR', `Backup ${entry.id} was uploaded; the simulator does not keep uploaded bytes`);
    }
    // RFC 9110 13.1.5: a Range whose If-Range validator no longer matches gets the whole file,
    // so a resumed download never splices two versions. `ignoreRange` plays a device without Range support.
    const etag = `"${entry.id}-${entry.size}-r${entry.revision ?? 0}"`;
    const ifRange = req.headers['if-range'];
    const rangeHeader = this.faults.ignoreRange || (ifRange !== undefined && ifRange !== etag) ? undefined : req.headers.range;
    const range = decideRange(rangeHeader, entry.size);
    if (range.kind === 'unsatisfiable') {
      return this.fail(req, res, 416, 'BAD_REQUEST', `Range ${req.headers.range} is outside backup ${entry.id} of ${entry.size} bytes`, {
        'Content-Range': `bytes */${entry.size}`,
      });
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, entry.size];
    const { resetDownloadAtByte, truncateDownloadAtByte, bytesPerSecond } = this.faults;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/x-gzip',
      'Content-Disposition': `attachment; filename="backup-${entry.id}.tar.gz"`,
      ETag: etag,
      ...(this.faults.ignoreRange ? {} : { 'Accept-Ranges': 'bytes' }),
    };
    // A clean early end is only possible without Content-Length: that is the truncation fault.
    if (truncateDownloadAtByte === undefined) headers['Content-Length'] = end - start;
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end - 1}/${entry.size}`;
    res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
    const chunks = contentChunks({ seed: this.settings.seed, id: contentId(entry), size: entry.size }, start, end);
    await pumpBody(res, chunks, {
      ...(resetDownloadAtByte !== undefined ? { resetAtByte: resetDownloadAtByte } : {}),
      ...(truncateDownloadAtByte !== undefined ? { truncateAtByte: truncateDownloadAtByte } : {}),
      ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
    });
  }

  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = mediaType(req.headers['content-type']);
    if (type !== 'application/octet-stream') {
      return this.fail(req, res, 415, 'BAD_REQUEST', `Unsupported Content-Type "${req.headers['content-type'] ?? ''}": upload the file as application/octet-stream`);
    }
    if (this.entries.size >= MAX_BACKUPS) return this.failFull(req, res);
    const now = this.now();
    const description = new URL(req.url ?? '/', 'http://device').searchParams.get('description') ?? 'Uploaded backup';
    const entry = this.addEntry({ description, origin: 'uploaded', createdAt: now, backupTime: this.deviceSeconds(now), readyAt: Infinity, size: 0, fails: false });

    // Hash and count while receiving: a multi-GiB upload never sits in memory.
    const hash = createHash('sha256');
    const record = (complete: boolean) => this.uploadLog.push({ backupId: entry.id, size: entry.size, sha256: hash.copy().digest('hex'), complete });
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        entry.size += chunk.length;
      }
    } catch {
      record(false);
      this.entries.delete(entry.id); // the client went away: no partial backup stays behind
      return;
    }
    if (!req.complete) {
      record(false);
      this.entries.delete(entry.id);
      return;
    }
    record(true);
    entry.sha256 = hash.digest('hex');
    entry.readyAt = this.now() + this.settings.uploadProcessingMs;
    sendJson(res, 201, this.viewOf(entry, this.now()));
  }

  private async restore(req: IncomingMessage, res: ServerResponse, [id]: string[]): Promise<void> {
    const entry = this.entries.get(id!);
    if (!entry) return this.failUnknown(req, res, id!);
    const status = backupStatus(entry, this.now());
    if (status !== 'completed') {
      return this.fail(req, res, 409, 'BAD_REQUEST', `Backup ${entry.id} on ${this.settings.identity.hostname} is not completed (status ${status}); it cannot be restored`);
    }
    await drainBody(req);
    const now = this.now();
    const previous = this.restoreLog.at(-1);
    const restore: RestoreEntry = {
      backupId: entry.id,
      startedAt: now,
      rebootUntil: this.reboot.begin(now, this.settings.rebootMs),
      ...(this.faults.restoreOutcome ? { outcome: { ...this.faults.restoreOutcome } } : {}),
    };
    this.restoreLog.push(restore);
    this.tokens.revokeAll(); // tokens do not survive the reboot
    // Drop every connection once this answer is out: in-flight requests die as on a real reboot.
    res.once('finish', () => setTimeout(() => this.dropConnections(), 20).unref());
    sendJson(res, 202, restoreStatusView(restore, previous, now, this.settings.clockSkewMs));
  }

  private async restoreStatus(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const latest = this.restoreLog.at(-1);
    const previous = this.restoreLog.at(-2);
    sendJson(res, 200, restoreStatusView(latest, previous, this.now(), this.settings.clockSkewMs));
  }

  // ---- helpers ----

  private addEntry(fields: Omit<BackupEntry, 'id'>): BackupEntry {
    const entry: BackupEntry = { id: String(this.nextId++), ...fields };
    this.entries.set(entry.id, entry);
    return entry;
  }

  /** Parses a JSON body; answers 400 and returns undefined when it is not JSON. */
  private async readJson(req: IncomingMessage, res: ServerResponse, emptyIsObject = false): Promise<unknown> {
    let text: string;
    try {
      text = (await readSmallBody(req)).toString('utf8');
    } catch (error) {
      await this.fail(req, res, 400, 'BAD_REQUEST', `Cannot read the request body: ${(error as Error).message}`);
      return undefined;
    }
    if (emptyIsObject && text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      await this.fail(req, res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
      return undefined;
    }
  }

  private failFull(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.fail(
      req,
      res,
      400,
      'BAD_REQUEST',
      `${this.settings.identity.hostname} already holds the maximum of ${MAX_BACKUPS} backups (${[...this.entries.keys()].join(', ')}); delete one before creating or uploading another`,
    );
  }

  private failUnknown(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Backup ${id} does not exist on ${this.settings.identity.hostname}`);
  }

  /** Answers with the device's error shape, after reading whatever the client still sends. */
  private async fail(req: IncomingMessage, res: ServerResponse, status: number, errorId: string, text: string, headers: Record<string, string> = {}): Promise<void> {
    await drainBody(req);
    if (res.headersSent || res.destroyed) return;
    sendJson(res, status, { error_id: errorId, error_text: text, error_info: {} }, headers);
  }
}

/** The content generator's id of a generated file: a replaced file gets unrelated bytes. */
function contentId(entry: BackupEntry): string {
  return entry.revision ? `${entry.id}#r${entry.revision}` : entry.id;
}
