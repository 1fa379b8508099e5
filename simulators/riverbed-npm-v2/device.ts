import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { API as NPM_V2_API, assumedLinks, paths } from './paths';
import { contentChunks, contentDigest, contentStream } from '../common/content';
import { pumpBody } from '../common/download';
import { takeServerError } from '../common/faults';
import { drainBody, mediaType, readSmallBody, sendEmpty, sendJson } from '../common/http';
import { RebootWindow } from '../common/reboot';
import { routeRequest, type Route } from '../common/routes';
import { TokenStore } from '../riverbed-npm-v1/state';
import type { NpmV2Faults, NpmV2SimBackup, NpmV2SimRequest, NpmV2SimServer } from './types';

export interface NpmV2Settings {
  identity: { hostname: string; model: string; serial: string; swVersion: string };
  username: string;
  password: string;
  backupSize: number;
  backupDurationMs: number;
  rebootMs: number;
  rebootRefusals: number;
  seed: number;
}

interface BackupEntry {
  id: string;
  name: string;
  desc: string;
  serverId: number;
  startedAt: number;
  readyAt: number;
  contents: { config_only: boolean; modules?: unknown };
  size: number;
  origin: 'generated' | 'uploaded';
  sha256?: string;
  /** Remote: set once the file is on the filer; a failure to write it fails the backup. */
  written: boolean;
  failure?: string;
  filePath?: string;
}

interface RestoreEntry {
  backupId: string;
  serverName: string;
  startedAt: number;
  rebootUntil: number;
  fails: boolean;
  contents: unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
const PROGRESS_STEPS = 5;
/** The built-in server on the device's own disk (inferred: every device has one, named "local"). */
export const LOCAL_SERVER_ID = 1;

/**
 * One simulated npm.backup 2.0 device: backup servers (filers) and the built-in local server,
 * backups started to a server and followed in device_status, completed backups per server,
 * upload to the local server, and the inferred links (download, restore, delete, server create)
 * taken from the driver's own inferred-paths.ts, so both follow the same assumption.
 */
export class NpmV2Device {
  private readonly serverMap = new Map<number, NpmV2SimServer>();
  private readonly entries = new Map<string, BackupEntry>();
  private readonly restoreLog: RestoreEntry[] = [];
  private readonly requestLog: NpmV2SimRequest[] = [];
  private readonly tokens = new TokenStore(900);
  private readonly timers = new Set<NodeJS.Timeout>();
  private latestBackupId: string | undefined;
  private nextServerId = LOCAL_SERVER_ID + 1;
  private readonly reboot: RebootWindow;
  private readonly routes: Array<Route<Handler>>;
  dropConnections: () => void = () => {};

  constructor(
    private readonly settings: NpmV2Settings,
    readonly faults: NpmV2Faults,
    servers: Array<{ name: string; host: string; port: number; path: string; user: string }>,
    private readonly now: () => number = Date.now,
  ) {
    this.reboot = new RebootWindow(settings.rebootRefusals);
    this.serverMap.set(LOCAL_SERVER_ID, { id: LOCAL_SERVER_ID, name: 'local', host: 'localhost', port: 22, path: '/var/lib/npm/backups', user: 'root', local: true, keySet: false });
    for (const s of servers) this.addServer({ ...s, local: false, keySet: true });
    const api = NPM_V2_API.replaceAll('.', '\\.');
    const pattern = (path: string) => new RegExp(`^${path.replaceAll('.', '\\.').replace(/\{(\w+)\}/g, '([^/]+)')}$`);
    this.routes = [
      { pattern: /^\/api\/common\/1\.0\/info$/, auth: false, methods: { GET: (q, s) => this.info(q, s) } },
      { pattern: /^\/api\/mgmt\.aaa\/2\.0\/token$/, auth: false, methods: { POST: (q, s) => this.login(q, s) } },
      { pattern: new RegExp(`^${api}$`), auth: false, methods: { GET: (q, s) => this.serviceDefinition(q, s) } },
      { pattern: pattern(paths.servers), auth: true, methods: { GET: (q, s) => this.listServers(q, s), POST: (q, s) => this.createServer(q, s) } },
      { pattern: pattern(paths.server), auth: true, methods: { GET: (q, s, p) => this.getServer(q, s, p) } },
      { pattern: pattern(paths.deviceStatus), auth: true, methods: { GET: (q, s) => this.deviceStatus(q, s) } },
      { pattern: pattern(paths.startBackup), auth: true, methods: { POST: (q, s, p) => this.start(q, s, p) } },
      { pattern: pattern(paths.upload), auth: true, methods: { POST: (q, s, p) => this.upload(q, s, p) } },
      { pattern: pattern(paths.backupsOnServer), auth: true, methods: { GET: (q, s, p) => this.listCompleted(q, s, p) } },
      {
        pattern: pattern(paths.completedBackup),
        auth: true,
        methods: { GET: (q, s, p) => this.getCompleted(q, s, p), DELETE: (q, s, p) => this.deleteCompleted(q, s, p) },
      },
      { pattern: pattern(paths.download), auth: true, methods: { GET: (q, s, p) => this.download(q, s, p) } },
      { pattern: pattern(paths.restore), auth: true, methods: { POST: (q, s, p) => this.restore(q, s, p) } },
    ];
  }

  isUp(): boolean {
    return this.reboot.admits(this.now());
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://device').pathname;
    const record: NpmV2SimRequest = { method, path, status: 0 };
    res.on('close', () => {
      record.status = res.headersSent ? res.statusCode : 0;
      this.requestLog.push(record);
    });
    if (!this.isUp()) return void req.socket.destroy();
    const errorStatus = takeServerError(this.faults);
    if (errorStatus !== undefined) return this.fail(req, res, errorStatus, 'INTERNAL_ERROR', 'Simulated server error (faults.serverErrors)');
    const route = routeRequest(this.routes, method, path, () => this.authenticate(req));
    switch (route.kind) {
      case 'serve': {
        if (mediaType(req.headers['content-type']) === 'application/json') {
          const body = await this.readJson(req, res);
          if (body === undefined) return;
          record.body = body;
          (req as IncomingMessage & { json?: unknown }).json = body;
        }
        return route.handler(req, res, route.params);
      }
      case 'method-not-allowed':
        return this.fail(req, res, 405, 'BAD_REQUEST', `Method ${method} is not allowed on ${path}`);
      case 'unauthenticated':
        return this.fail(req, res, 401, 'AUTH_REQUIRED', 'Authentication required');
      case 'not-found':
        return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `No resource at ${path}`);
    }
  }

  servers(): NpmV2SimServer[] {
    return [...this.serverMap.values()].map((s) => ({ ...s }));
  }

  backups(): NpmV2SimBackup[] {
    const now = this.now();
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      name: e.name,
      desc: e.desc,
      serverId: e.serverId,
      status: this.status(e, now),
      size: e.size,
      uploaded: e.origin === 'uploaded',
      sha256: e.sha256 ?? contentDigest({ seed: this.settings.seed, id: e.id, size: e.size }).sha256,
      contents: e.contents,
      ...(e.filePath ? { filePath: e.filePath } : {}),
    }));
  }

  restores(): Array<{ backupId: string; status: string; contents: unknown }> {
    const now = this.now();
    return this.restoreLog.map((r) => ({ backupId: r.backupId, status: this.restoreStatus(r, now), contents: r.contents }));
  }

  requests(): NpmV2SimRequest[] {
    return this.requestLog.map((r) => ({ ...r }));
  }

  // ---- rules ----

  private status(entry: BackupEntry, now: number): 'started' | 'completed' | 'failed' {
    if (entry.failure) return 'failed';
    if (now < entry.readyAt || !entry.written) return 'started';
    return 'completed';
  }

  private restoreStatus(restore: RestoreEntry, now: number): 'started' | 'completed' | 'failed' {
    if (now < restore.rebootUntil) return 'started';
    return restore.fails ? 'failed' : 'completed';
  }

  private completedView(entry: BackupEntry): Record<string, unknown> {
    const { identity } = this.settings;
    const status = this.status(entry, this.now());
    return {
      id: entry.id,
      name: entry.name,
      desc: entry.desc,
      server_id: entry.serverId,
      status,
      hostname: identity.hostname,
      sw_version: identity.swVersion,
      model: identity.model,
      serial: identity.serial,
      created_on: Math.floor(entry.startedAt / 1000),
      contents: entry.contents,
      size: status === 'completed' ? entry.size : 0,
    };
  }

  private operationInfo(entry: BackupEntry): Record<string, unknown> {
    const status = this.status(entry, this.now());
    return {
      operation_type: 'backup',
      start_time: Math.floor(entry.startedAt / 1000),
      status,
      status_message: entry.failure ?? (status === 'completed' ? `Backup ${entry.name} completed` : `Backup ${entry.name} in progress`),
      backup_id: entry.id,
      name: entry.name,
      server_name: this.serverMap.get(entry.serverId)?.name ?? '',
    };
  }

  private authenticate(req: IncomingMessage): boolean {
    return this.tokens.authenticate(req.headers.authorization, this.now(), this.faults);
  }

  // ---- handlers ----

  private async info(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { identity } = this.settings;
    sendJson(res, 200, { sw_version: identity.swVersion, hostname: identity.hostname, model: identity.model, serial: identity.serial });
  }

  private async serviceDefinition(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(res, 200, {
      id: 'npm.backup',
      version: '2.0',
      title: 'Backup and Restore v2.0 (simulated)',
      // Links marked inferred are not in any public copy of the API; the simulator follows the driver's assumption.
      inferred: [...assumedLinks],
    });
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.headers['content-type'] ?? '').trim().toLowerCase() !== 'application/json') {
      return this.fail(req, res, 415, 'BAD_REQUEST', 'send exactly application/json');
    }
    const body = (req as IncomingMessage & { json?: unknown }).json;
    const credentials = (body as { user_credentials?: { username?: unknown; password?: unknown } } | null)?.user_credentials;
    if (this.faults.rejectCredentials || credentials?.username !== this.settings.username || credentials?.password !== this.settings.password) {
      return this.fail(req, res, 401, 'AUTH_INVALID_CREDENTIALS', 'Invalid username or password');
    }
    const { token, expiresAt } = this.tokens.issue(this.now());
    sendJson(res, 201, { access_token: token, expires_at: Math.floor(expiresAt / 1000), token_type: 'bearer' });
  }

  private serverView(s: NpmV2SimServer): Record<string, unknown> {
    return { id: s.id, name: s.name, desc: s.local ? 'Local storage' : '', host: s.host, port: s.port, path: s.path, user: s.user, public_key: `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABsim${s.id} npm@${this.settings.identity.hostname}` };
  }

  private async listServers(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(res, 200, { items: [...this.serverMap.values()].map((s) => this.serverView(s)) });
  }

  private async getServer(req: IncomingMessage, res: ServerResponse, [id]: string[]): Promise<void> {
    const server = this.serverMap.get(Number(id));
    if (!server) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Server ${id} does not exist`);
    sendJson(res, 200, this.serverView(server));
  }

  private async createServer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (req as IncomingMessage & { json?: unknown }).json as Record<string, unknown> | undefined;
    const missing = ['name', 'host', 'port', 'path', 'user'].filter((f) => body?.[f] === undefined || body[f] === '');
    if (!body || missing.length) return this.fail(req, res, 400, 'BAD_REQUEST', `Missing required properties: ${missing.join(', ')}`);
    if ([...this.serverMap.values()].some((s) => s.name === body.name)) return this.fail(req, res, 400, 'BAD_REQUEST', `A server named ${String(body.name)} exists`);
    const key = body.new_private_key;
    if (key !== undefined && (typeof key !== 'string' || !key.includes('PRIVATE KEY'))) return this.fail(req, res, 400, 'BAD_REQUEST', 'new_private_key is not a private key');
    const server = this.addServer({ name: String(body.name), host: String(body.host), port: Number(body.port), path: String(body.path), user: String(body.user), local: false, keySet: key !== undefined });
    sendJson(res, 201, this.serverView(server));
  }

  private async deviceStatus(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = this.now();
    const running = [...this.entries.values()].find((e) => e.origin === 'generated' && this.status(e, now) === 'started');
    const latest = this.latestBackupId ? this.entries.get(this.latestBackupId) : undefined;
    const restore = this.restoreLog.at(-1);
    const view: Record<string, unknown> = {
      available_backup_modules: [{ short_name: 'config', group: 'system', desc: 'System configuration', group_type: 'config', supported_options: [] }],
      available_restore_modules: [{ short_name: 'config', group: 'system', desc: 'System configuration', group_type: 'config', supported_options: [] }],
      system_id: this.settings.identity.serial,
    };
    if (running) {
      const span = Math.max(1, running.readyAt - running.startedAt);
      const completed = Math.min(PROGRESS_STEPS - 1, Math.floor(((now - running.startedAt) / span) * PROGRESS_STEPS));
      view.current_operation = {
        info: this.operationInfo(running),
        progress: { completed, total: PROGRESS_STEPS, status_message: `Backing up step ${completed + 1} of ${PROGRESS_STEPS}` },
        backup_details: { contents: running.contents, size_estimate: { total_size: running.size, data_size: [] } },
      };
    }
    if (latest) view.latest_backup = this.operationInfo(latest);
    if (restore) {
      const status = this.restoreStatus(restore, now);
      view.latest_restore = {
        operation_type: 'restore',
        start_time: Math.floor(restore.startedAt / 1000),
        status,
        status_message: status === 'failed' ? `Restore of ${restore.backupId} failed: simulated failure (faults.restoreFails)` : `Restore of ${restore.backupId} ${status}`,
        backup_id: restore.backupId,
        server_name: restore.serverName,
      };
    }
    sendJson(res, 200, view);
  }

  private async start(req: IncomingMessage, res: ServerResponse, [sid]: string[]): Promise<void> {
    const server = this.serverMap.get(Number(sid));
    if (!server) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Server ${sid} does not exist`);
    const body = (req as IncomingMessage & { json?: unknown }).json as { name?: unknown; desc?: unknown; contents?: { config_only?: unknown; modules?: unknown } } | undefined;
    if (typeof body?.name !== 'string' || typeof body.desc !== 'string' || typeof body.contents?.config_only !== 'boolean') {
      return this.fail(req, res, 400, 'BAD_REQUEST', 'Body must be {name, desc, contents: {config_only, modules?}}');
    }
    const now = this.now();
    const foreignBackup = (this.faults.busyStarts ?? 0) > 0;
    if (foreignBackup) this.faults.busyStarts! -= 1;
    if (foreignBackup || [...this.entries.values()].some((e) => e.origin === 'generated' && this.status(e, now) === 'started')) {
      return this.fail(req, res, 409, 'BAD_REQUEST', 'Another backup operation is in progress');
    }
    const entry: BackupEntry = {
      id: randomUUID(),
      name: body.name,
      desc: body.desc,
      serverId: server.id,
      startedAt: now,
      readyAt: now + this.settings.backupDurationMs,
      contents: { config_only: body.contents.config_only, ...(body.contents.modules ? { modules: body.contents.modules } : {}) },
      size: this.settings.backupSize,
      origin: 'generated',
      written: server.local,
      ...(this.faults.backupFails ? { failure: `Backup ${body.name} failed on ${this.settings.identity.hostname}: simulated failure (faults.backupFails)` } : {}),
    };
    this.entries.set(entry.id, entry);
    this.latestBackupId = entry.id;
    if (!server.local && !entry.failure) this.writeToFiler(entry, server);
    sendJson(res, 202, this.operationInfo(entry));
  }

  /** The device copies the finished backup to the filer: the file appears, complete, when the backup completes. */
  private writeToFiler(entry: BackupEntry, server: NpmV2SimServer): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const final = join(server.path, `${entry.id}.tar.gz`);
      const partial = `${final}.part`;
      pipeline(contentStream({ seed: this.settings.seed, id: entry.id, size: entry.size }), createWriteStream(partial))
        .then(() => rename(partial, final))
        .then(() => {
          entry.filePath = final;
          entry.written = true;
        })
        .catch((error: unknown) => {
          entry.failure = `Backup ${entry.name} could not be copied to ${server.user}@${server.host}:${server.path}: ${(error as Error).message}`;
        });
    }, Math.max(0, entry.readyAt - this.now()));
    timer.unref();
    this.timers.add(timer);
  }

  private async listCompleted(req: IncomingMessage, res: ServerResponse, [sid]: string[]): Promise<void> {
    const server = this.serverMap.get(Number(sid));
    if (!server) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Server ${sid} does not exist`);
    const completed = [...this.entries.values()].filter((e) => e.serverId === server.id).map((e) => this.completedView(e));
    sendJson(res, 200, { server_id: server.id, completed });
  }

  private entryOn(sid: string, id: string): BackupEntry | undefined {
    const entry = this.entries.get(id);
    return entry && entry.serverId === Number(sid) ? entry : undefined;
  }

  private async getCompleted(req: IncomingMessage, res: ServerResponse, [sid, id]: string[]): Promise<void> {
    const entry = this.entryOn(sid!, id!);
    if (!entry) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Backup ${id} does not exist on server ${sid}`);
    sendJson(res, 200, this.completedView(entry));
  }

  private async deleteCompleted(req: IncomingMessage, res: ServerResponse, [sid, id]: string[]): Promise<void> {
    const entry = this.entryOn(sid!, id!);
    if (!entry) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Backup ${id} does not exist on server ${sid}`);
    this.entries.delete(entry.id);
    if (entry.filePath) await unlink(entry.filePath).catch(() => undefined);
    sendEmpty(res, 204);
  }

  private async download(req: IncomingMessage, res: ServerResponse, [sid, id]: string[]): Promise<void> {
    const entry = this.entryOn(sid!, id!);
    if (!entry) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Backup ${id} does not exist on server ${sid}`);
    if (!this.serverMap.get(entry.serverId)?.local) return this.fail(req, res, 400, 'BAD_REQUEST', 'Download is available for local backups only');
    if (this.status(entry, this.now()) !== 'completed') return this.fail(req, res, 409, 'BAD_REQUEST', `Backup ${id} is not completed`);
    if (entry.origin === 'uploaded') return this.fail(req, res, 500, 'INTERNAL_ERROR', 'The simulator does not keep uploaded bytes');
    const { resetDownloadAtByte, truncateDownloadAtByte, bytesPerSecond } = this.faults;
    // A clean early end is only possible without Content-Length: that is the truncation fault.
    res.writeHead(200, { 'Content-Type': 'application/x-gzip', ...(truncateDownloadAtByte === undefined ? { 'Content-Length': entry.size } : {}) });
    await pumpBody(res, contentChunks({ seed: this.settings.seed, id: entry.id, size: entry.size }), {
      ...(resetDownloadAtByte !== undefined ? { resetAtByte: resetDownloadAtByte } : {}),
      ...(truncateDownloadAtByte !== undefined ? { truncateAtByte: truncateDownloadAtByte } : {}),
      ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
    });
  }

  private async upload(req: IncomingMessage, res: ServerResponse, [sid]: string[]): Promise<void> {
    const server = this.serverMap.get(Number(sid));
    if (!server) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Server ${sid} does not exist`);
    if (!server.local) return this.fail(req, res, 400, 'BAD_REQUEST', 'Upload is available for local backups only');
    if (mediaType(req.headers['content-type']) !== 'application/octet-stream') return this.fail(req, res, 415, 'BAD_REQUEST', 'Upload the file as application/octet-stream');
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
    } catch {
      return;
    }
    if (!req.complete) return;
    if (this.faults.uploadKeepsBytes !== undefined && size > this.faults.uploadKeepsBytes) size = this.faults.uploadKeepsBytes;
    const now = this.now();
    const entry: BackupEntry = {
      id: randomUUID(),
      name: new URL(req.url ?? '/', 'http://device').searchParams.get('name') ?? 'Uploaded backup',
      desc: 'Uploaded backup',
      serverId: server.id,
      startedAt: now,
      readyAt: now,
      contents: { config_only: false },
      size,
      origin: 'uploaded',
      sha256: hash.digest('hex'),
      written: true,
    };
    this.entries.set(entry.id, entry);
    sendJson(res, 201, this.completedView(entry));
  }

  private async restore(req: IncomingMessage, res: ServerResponse, [sid, id]: string[]): Promise<void> {
    const entry = this.entryOn(sid!, id!);
    if (!entry) return this.fail(req, res, 404, 'RESOURCE_NOT_FOUND', `Backup ${id} does not exist on server ${sid}`);
    if (this.status(entry, this.now()) !== 'completed') return this.fail(req, res, 409, 'BAD_REQUEST', `Backup ${id} is not completed`);
    const body = (req as IncomingMessage & { json?: unknown }).json as { contents?: unknown } | undefined;
    if (typeof (body?.contents as { config_only?: unknown } | undefined)?.config_only !== 'boolean') {
      return this.fail(req, res, 400, 'BAD_REQUEST', 'Body must be {contents: {config_only, modules?}}');
    }
    const now = this.now();
    const restore: RestoreEntry = {
      backupId: entry.id,
      serverName: this.serverMap.get(entry.serverId)?.name ?? '',
      startedAt: now,
      rebootUntil: this.reboot.begin(now, this.settings.rebootMs),
      fails: this.faults.restoreFails === true,
      contents: body?.contents,
    };
    this.restoreLog.push(restore);
    this.tokens.revokeAll();
    res.once('finish', () => setTimeout(() => this.dropConnections(), 20).unref());
    sendJson(res, 202, { operation_type: 'restore', start_time: Math.floor(now / 1000), status: 'started', status_message: 'Restore started; the system will reboot', backup_id: entry.id, server_name: restore.serverName });
  }

  // ---- helpers ----

  private addServer(fields: Omit<NpmV2SimServer, 'id'>): NpmV2SimServer {
    const server: NpmV2SimServer = { id: this.nextServerId++, ...fields };
    this.serverMap.set(server.id, server);
    return server;
  }

  private async readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    try {
      const text = (await readSmallBody(req)).toString('utf8');
      return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    } catch {
      await this.fail(req, res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
      return undefined;
    }
  }

  private async fail(req: IncomingMessage, res: ServerResponse, status: number, errorId: string, text: string): Promise<void> {
    await drainBody(req);
    if (res.headersSent || res.destroyed) return;
    sendJson(res, status, { error_id: errorId, error_text: text, error_info: {} });
  }
}

