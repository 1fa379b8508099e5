import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticatedRequestCountdown, takeServerError } from '../common/faults';
import { drainBody, readSmallBody, sendJson } from '../common/http';
import { routeRequest, type Route } from '../common/routes';
import { backupStatus, backupView, filterBackups, pageOf, taskState, taskView, type BackupEntry, type TaskEntry } from './state';
import type { StorwareFaults, StorwareSimRequest, StorwareSimTask } from './types';

export interface StorwareSettings {
  login: string;
  password: string;
  entities: Array<{ guid: string; name: string }>;
  exportDurationMs: number;
  storeDurationMs: number;
  restoreDurationMs: number;
  importDurationMs: number;
  defaultPageSize: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], query: URLSearchParams) => Promise<void>;

export const SESSION_COOKIE = 'JSESSIONID';

/** The name of an EnumNameAndDescription object ({"name": ..., "description"?: ...}); undefined for anything else, bare strings included. */
function enumName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * One simulated Storware Backup & Recovery server: session login with the `login` field and a
 * cookie, export tasks that produce backup records, the backups controller's reads (seed 004),
 * restore-and-import tasks, and the faults of StorwareFaults.
 */
export class StorwareDevice {
  private readonly sessions = new Set<string>();
  private readonly taskMap = new Map<string, TaskEntry>();
  private readonly backupMap = new Map<string, BackupEntry>();
  private readonly requestLog: StorwareSimRequest[] = [];
  private readonly routes: Array<Route<Handler>>;
  private readonly expireCountdown = new AuthenticatedRequestCountdown();

  constructor(
    private readonly settings: StorwareSettings,
    readonly faults: StorwareFaults,
    existing: Array<{ entity: string; ageHours: number; status?: BackupEntry['final'] }>,
    private readonly now: () => number = Date.now,
  ) {
    const at = this.now();
    for (const e of existing) {
      const time = at - e.ageHours * 3_600_000;
      this.addBackup({ entity: e.entity, type: 'FULL', snapshotTime: time, readyAt: time + 1000, final: e.status ?? 'SUCCESS', size: 10 * 1024 ** 3 });
    }
    const guid = '([^/]+)';
    this.routes = [
      { pattern: /^\/api\/session\/login$/, auth: false, methods: { POST: (q, s) => this.loginRoute(q, s) } },
      { pattern: /^\/api\/tasks\/export$/, auth: true, methods: { POST: (q, s) => this.exportRoute(q, s) } },
      { pattern: /^\/api\/tasks\/restore-and-import$/, auth: true, methods: { POST: (q, s) => this.restoreRoute(q, s) } },
      { pattern: /^\/api\/tasks$/, auth: true, methods: { GET: (q, s, _p, query) => this.listTasks(q, s, query) } },
      { pattern: new RegExp(`^/api/tasks/${guid}$`), auth: true, methods: { GET: (q, s, p) => this.getTask(q, s, p) } },
      { pattern: /^\/api\/backups$/, auth: true, methods: { GET: (q, s, _p, query) => this.listBackups(q, s, query) } },
      { pattern: new RegExp(`^/api/backups/${guid}$`), auth: true, methods: { GET: (q, s, p) => this.getBackup(q, s, p) } },
    ];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://storware');
    res.on('close', () => this.requestLog.push({ method, url: `${url.pathname}${url.search}`, status: res.headersSent ? res.statusCode : 0 }));
    const errorStatus = takeServerError(this.faults);
    if (errorStatus !== undefined) return this.fail(req, res, errorStatus, 'Simulated server error (faults.serverErrors)');
    const route = routeRequest(this.routes, method, url.pathname, () => this.authenticate(req));
    switch (route.kind) {
      case 'serve':
        return route.handler(req, res, route.params, url.searchParams);
      case 'method-not-allowed':
        return this.fail(req, res, 405, `Method ${method} is not allowed on ${url.pathname}`);
      case 'unauthenticated':
        return this.fail(req, res, 401, 'Session expired or not logged in');
      case 'not-found':
        return this.fail(req, res, 404, `No resource at ${url.pathname}`);
    }
  }

  tasks(): StorwareSimTask[] {
    const now = this.now();
    this.spawnImports(now);
    return [...this.taskMap.values()].map((t) => ({ guid: t.guid, type: t.type, entity: t.entity, state: taskState(t, now), ...(t.backup ? { backup: t.backup } : {}), body: t.body }));
  }

  backups(): Array<Record<string, unknown> & { guid: string }> {
    const now = this.now();
    return [...this.backupMap.values()].map((b) => backupView(b, this.entityName(b.entity), now));
  }

  requests(): StorwareSimRequest[] {
    return this.requestLog.map((r) => ({ ...r }));
  }

  private authenticate(req: IncomingMessage): boolean {
    const cookie = req.headers.cookie ?? '';
    const session = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(cookie)?.[1];
    if (!session || !this.sessions.has(session)) return false;
    if (this.expireCountdown.reached(this.faults.expireSessionsAfterRequests)) {
      // Once: every session ends (this one too); a fresh login works again.
      this.sessions.clear();
      delete this.faults.expireSessionsAfterRequests;
      return false;
    }
    return true;
  }

  private async loginRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.readJson(req, res);
    if (body === undefined) return;
    const { login, password } = (body ?? {}) as { login?: unknown; password?: unknown };
    if (typeof login !== 'string' || typeof password !== 'string') return this.fail(req, res, 400, 'Body must be {"login": ..., "password": ...}');
    if (this.faults.rejectCredentials || login !== this.settings.login || password !== this.settings.password) {
      return this.fail(req, res, 401, 'Invalid login or password');
    }
    const session = randomBytes(16).toString('hex');
    this.sessions.add(session);
    sendJson(res, 200, { login, name: login, role: { name: 'ADMIN' } }, { 'Set-Cookie': `${SESSION_COOKIE}=${session}; Path=/api; Secure; HttpOnly` });
  }

  private async exportRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await this.readJson(req, res)) as { protectedEntities?: Array<{ guid?: unknown }>; backupType?: unknown } | undefined;
    if (body === undefined) return;
    const entities = Array.isArray(body?.protectedEntities) ? body.protectedEntities : [];
    if (entities.length === 0) return this.fail(req, res, 400, 'protectedEntities must list at least one {guid}');
    // Every enum is an EnumNameAndDescription object (seed 004 shows them all as {name, description};
    // Storware's own UI posts {name: 'FULL', description: 'Full'}): a bare string is not one, and Jackson refuses it.
    const backupType = enumName(body?.backupType);
    if (backupType === undefined) return this.fail(req, res, 400, `backupType must be an EnumNameAndDescription object such as {"name": "FULL"}, got ${JSON.stringify(body?.backupType ?? null)}`);
    if (backupType !== 'FULL' && backupType !== 'INCREMENTAL') return this.fail(req, res, 400, `backupType must be FULL or INCREMENTAL, got ${JSON.stringify(body?.backupType)}`);
    for (const e of entities) {
      if (!this.settings.entities.some((known) => known.guid === e.guid)) return this.fail(req, res, 400, `Protected entity ${String(e.guid)} does not exist`);
    }
    const now = this.now();
    const tasks = entities.map((e) => {
      const entity = String(e.guid);
      const busy = [...this.taskMap.values()].find((t) => t.type === 'EXPORT' && t.entity === entity && taskState(t, now) !== 'FINISHED' && taskState(t, now) !== 'FAILED');
      return { entity, busy };
    });
    const busy = tasks.find((t) => t.busy);
    if (busy) return this.fail(req, res, 409, `An export of ${busy.entity} is already running (task ${busy.busy!.guid})`);
    const created = tasks.map(({ entity }) => {
      const finishesAt = now + this.settings.exportDurationMs;
      const partial = this.faults.partialSuccess && (!this.faults.partialSuccess.entity || this.faults.partialSuccess.entity === entity) ? this.faults.partialSuccess : undefined;
      const failed = this.faults.backupFails;
      const backup = this.faults.taskFails
        ? undefined
        : this.addBackup({
            entity,
            type: backupType,
            snapshotTime: now,
            readyAt: finishesAt + this.settings.storeDurationMs,
            final: failed ? 'FAILED' : partial ? 'PARTIAL_SUCCESS' : 'SUCCESS',
            ...(failed ? { statusInfo: failed.reason } : partial ? { statusInfo: partial.reason } : {}),
            size: 1024 ** 3 + Math.floor(Math.random() * 1024 ** 2),
          });
      if (this.faults.policyBackupDuringExport) {
        // Storware's own policy: a backup of the same entity, a little later, that no task of ours made.
        this.addBackup({ entity, type: backupType, snapshotTime: now + 5, readyAt: finishesAt + this.settings.storeDurationMs, final: 'SUCCESS', size: 1024 ** 3 });
      }
      return this.addTask({
        type: 'EXPORT',
        entity,
        createdAt: now,
        finishesAt,
        ...(this.faults.taskFails ? { failure: this.faults.taskFails.reason } : {}),
        ...(backup ? { backup: backup.guid } : {}),
        omitBackup: this.faults.taskOmitsBackup === true,
        body,
      });
    });
    const views = created.map((t) => taskView(t, this.entityName(t.entity), now));
    sendJson(res, 200, views.length === 1 ? views[0] : views);
  }

  private async restoreRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await this.readJson(req, res)) as { backup?: { guid?: unknown }; hypervisor?: { guid?: unknown }; hypervisorManager?: { guid?: unknown } } | undefined;
    if (body === undefined) return;
    const backup = this.backupMap.get(String(body?.backup?.guid));
    if (!backup) return this.fail(req, res, 404, `Backup ${String(body?.backup?.guid)} does not exist`);
    if (!body?.hypervisor?.guid && !body?.hypervisorManager?.guid) return this.fail(req, res, 400, 'Name a hypervisor or hypervisorManager to restore into');
    const now = this.now();
    if (backupStatus(backup, now) !== 'SUCCESS') return this.fail(req, res, 400, `Backup ${backup.guid} is ${backupStatus(backup, now)}; only SUCCESS backups can be restored`);
    // Inferred (device-apis.md, from Storware's integration guide): restore-and-import runs a
    // RESTORE task; when it finishes, an IMPORT task is created for the same backup, which can
    // fail on its own. The answer names the RESTORE task only.
    const task = this.addTask({
      type: 'RESTORE',
      entity: backup.entity,
      createdAt: now,
      finishesAt: now + this.settings.restoreDurationMs,
      ...(this.faults.restoreFails ? { failure: this.faults.restoreFails.reason } : {}),
      backup: backup.guid,
      omitBackup: false,
      body,
      importPlan: { durationMs: this.settings.importDurationMs, ...(this.faults.importFails ? { failure: this.faults.importFails.reason } : {}) },
    });
    sendJson(res, 200, taskView(task, this.entityName(task.entity), now));
  }

  /** Creates the IMPORT task of every RESTORE task that has finished by `now` (statuses are computed when asked: no timers). */
  private spawnImports(now: number): void {
    for (const restore of [...this.taskMap.values()]) {
      if (restore.type !== 'RESTORE' || restore.importTask || !restore.importPlan || taskState(restore, now) !== 'FINISHED') continue;
      const created = this.addTask({
        type: 'IMPORT',
        entity: restore.entity,
        createdAt: restore.finishesAt,
        finishesAt: restore.finishesAt + restore.importPlan.durationMs,
        ...(restore.importPlan.failure ? { failure: restore.importPlan.failure } : {}),
        ...(restore.backup ? { backup: restore.backup } : {}),
        omitBackup: false,
        body: null,
      });
      restore.importTask = created.guid;
    }
  }

  private async getTask(req: IncomingMessage, res: ServerResponse, [guid]: string[]): Promise<void> {
    const now = this.now();
    this.spawnImports(now);
    const task = this.taskMap.get(guid!);
    if (!task) return this.fail(req, res, 404, `Task ${guid} does not exist`);
    sendJson(res, 200, taskView(task, this.entityName(task.entity), now));
  }

  /** GET /api/tasks, paged like every Storware list (`page` from 0, `size`), in creation order. */
  private async listTasks(_req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const now = this.now();
    this.spawnImports(now);
    const all = [...this.taskMap.values()].sort((a, b) => a.createdAt - b.createdAt);
    sendJson(res, 200, pageOf(all, query, this.settings.defaultPageSize).map((t) => taskView(t, this.entityName(t.entity), now)));
  }

  private async getBackup(req: IncomingMessage, res: ServerResponse, [guid]: string[]): Promise<void> {
    const backup = this.backupMap.get(guid!);
    if (!backup) return this.fail(req, res, 404, `Backup ${guid} does not exist`);
    sendJson(res, 200, backupView(backup, this.entityName(backup.entity), this.now()));
  }

  private async listBackups(_req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const now = this.now();
    // Oldest first (the seed names `orderBy` without saying its default): a client that reads one page sees the oldest.
    const found = filterBackups([...this.backupMap.values()], query, now).sort((a, b) => a.snapshotTime - b.snapshotTime);
    sendJson(res, 200, pageOf(found, query, this.settings.defaultPageSize).map((b) => ({ ...backupView(b, this.entityName(b.entity), now) })));
  }

  private entityName(guid: string): string {
    return this.settings.entities.find((e) => e.guid === guid)?.name ?? guid;
  }

  private addTask(fields: Omit<TaskEntry, 'guid'>): TaskEntry {
    const task: TaskEntry = { guid: randomUUID(), ...fields };
    this.taskMap.set(task.guid, task);
    return task;
  }

  private addBackup(fields: Omit<BackupEntry, 'guid'>): BackupEntry {
    const backup: BackupEntry = { guid: randomUUID(), ...fields };
    this.backupMap.set(backup.guid, backup);
    return backup;
  }

  private async readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    try {
      return JSON.parse((await readSmallBody(req)).toString('utf8')) as unknown;
    } catch {
      await this.fail(req, res, 400, 'The request body is not valid JSON');
      return undefined;
    }
  }

  private async fail(req: IncomingMessage, res: ServerResponse, status: number, message: string): Promise<void> {
    await drainBody(req);
    if (res.headersSent || res.destroyed) return;
    sendJson(res, status, { message, status });
  }
}
