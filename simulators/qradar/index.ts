import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join, posix, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentStream } from '../common/content';
import { AuthenticatedRequestCountdown } from '../common/faults';
import { readSmallBody, sendJson } from '../common/http';
import { listen } from '../common/server';
import { isWithin } from '../common/sftp-chroot';

/**
 * An IBM QRadar / Juniper JSA console's backup_and_restore API (seed 003, device-apis.md) on
 * loopback: SEC token, Version header recorded, backups that go INITIALIZING -> IN_PROGRESS ->
 * SUCCESS and leave their file in `backupDirectory` (served by the test's sshd, standing in for
 * /store/backup), the 409/422 codes of the seed, and the two-step restore. Files that appear in
 * the directory are listed as backups again (inferred: how a copied-back archive is found).
 */
export const QRADAR_API = '/api/backup_and_restore';
export const QRADAR_CONFIG_PATH = '/api/config/backup_and_restore/scheduled_backup_configurations';

export interface QRadarFaults {
  serverErrors?: { count: number; status?: number };
  /** The next `count` POST /backups answer 409 with this code (1011, 1015, 1016; 1005 = name exists). */
  conflict?: { code: 1005 | 1011 | 1015 | 1016; count: number };
  /** Names that already exist (409 1005). */
  takenNames?: string[];
  backupFails?: boolean;
  /** Stays IN_PROGRESS for ever. */
  stuck?: boolean;
  /** Completes with is_valid: false. */
  invalid?: boolean;
  /** The file disappears right after SUCCESS: the record turns MISSING. */
  missingAfterSuccess?: boolean;
  restoreFails?: boolean;
  /**
   * After this many authenticated requests the next one is refused with 401 once (the authorized
   * service token was revoked meanwhile): a SEC token has no session to renew, so the client must fail.
   */
  unauthorizedAfterRequests?: number;
  /**
   * While a restore runs, all console services are stopped (IBM: "all services stop until it
   * finishes"): every request answers 503, until the restore is done and at least this many were
   * refused (a count, so a test sees the outage however slow the machine).
   */
  servicesDownDuringRestore?: number;
}

export interface QRadarSimulatorOptions {
  token?: string;
  /** Where the console keeps its backups, on this machine (its /store/backup). */
  backupDirectory: string;
  /**
   * Where the console's SSH server has its `/` on this machine: "/" for a real sshd (the
   * default), the served directory for the in-process SFTP server (simulators/common/sftp-server.ts),
   * which is chrooted there. `backupDirectory` must lie inside it; `content_file_path` and
   * `backup_location` are reported as the SSH server shows them.
   */
  sshRoot?: string;
  backupSize?: number;
  backupDurationMs?: number;
  restoreDurationMs?: number;
  seed?: number;
  version?: string;
  /**
   * The deployment's hosts (api/config/deployment/hosts), for `host_id` (seed 003: optional, "defaults
   * to the Console"). Default: the console 53 and an active managed host 104 that stores Ariel data.
   */
  hosts?: QRadarSimHost[];
  faults?: QRadarFaults;
}

export interface QRadarSimHost {
  id: number;
  console?: boolean;
  active?: boolean;
  /** Stores Ariel data: DATA backups are possible there (seed 003, 422 1013). */
  ariel?: boolean;
}

const DEFAULT_HOSTS: QRadarSimHost[] = [
  { id: 53, console: true, active: true, ariel: true },
  { id: 104, active: true, ariel: true },
];

interface BackupRecord {
  id: number;
  name: string;
  description: string;
  type: 'CONFIG' | 'DATA';
  version: string;
  status: string;
  time_initiated: number;
  time_completed: number | null;
  size_on_disk: number | null;
  content_file_path: string | null;
  is_valid: boolean;
  is_version_compatible: boolean;
  configuration_id: number;
  host_id: number;
  readyAt: number;
}

interface RestoreRecord {
  id: number;
  backup_id: number;
  groups: string[];
  status: string;
  readyAt: number;
  verdict: boolean;
  message: string;
}

export interface QRadarSimulator {
  url: string;
  fingerprint256?: string;
  faults: QRadarFaults;
  backups(): Array<Omit<BackupRecord, 'readyAt'>>;
  restores(): Array<Omit<RestoreRecord, 'readyAt' | 'verdict'>>;
  /** SHA-256 of every file this console ever wrote, by file name. */
  writtenFiles(): Record<string, string>;
  requests(): Array<{ method: string; path: string; status: number; version: string | undefined; backupType: string | undefined }>;
  close(): Promise<void>;
}

export async function startQRadarSimulator(options: QRadarSimulatorOptions): Promise<QRadarSimulator> {
  const faults = options.faults ?? {};
  const token = options.token ?? 'qradar-token';
  const size = options.backupSize ?? 1024 * 1024;
  const duration = options.backupDurationMs ?? 300;
  const restoreDuration = options.restoreDurationMs ?? 300;
  const seed = options.seed ?? 1;
  const version = options.version ?? '7.5.0.20241018';
  const sshRoot = options.sshRoot;
  if (sshRoot && !isWithin(sshRoot, options.backupDirectory)) {
    throw new Error(`backupDirectory ${options.backupDirectory} is not inside sshRoot ${sshRoot}: the console's SSH server could not serve it`);
  }
  /** A path on this machine as the console (its SSH server) names it, and back. */
  const onConsole = (localPath: string) => (sshRoot ? posix.join('/', relative(sshRoot, localPath)) : localPath);
  const onDisk = (consolePath: string) => (sshRoot ? join(sshRoot, posix.normalize(`/${consolePath}`)) : consolePath);
  const backups = new Map<number, BackupRecord>();
  const restores = new Map<number, RestoreRecord>();
  const written = new Map<string, string>();
  const requestLog: Array<{ method: string; path: string; status: number; version: string | undefined; backupType: string | undefined }> = [];
  let nextId = 101;
  let nextRestore = 1;
  const finishing = new Map<number, Promise<void>>();

  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    sendJson(res, status, { http_response: { code: status, message: status === 409 ? 'Conflict' : 'Error' }, code, message, description: message, details: {} });

  const view = (b: BackupRecord) => {
    const { readyAt: _readyAt, ...rest } = b;
    return rest;
  };

  /** Moves a backup along its states; writes its file when it completes. */
  const advance = async (b: BackupRecord): Promise<void> => {
    const now = Date.now();
    if (b.status === 'INITIALIZING' && now >= b.time_initiated + duration / 4) b.status = 'IN_PROGRESS';
    if (b.status !== 'IN_PROGRESS' || faults.stuck || now < b.readyAt) return;
    const pending = finishing.get(b.id);
    if (pending) return pending;
    const work = (async () => {
      if (faults.backupFails) {
        b.status = 'FAILED';
        b.time_completed = Date.now();
        return;
      }
      const d = new Date(b.time_initiated);
      const stamp = `${String(d.getUTCDate()).padStart(2, '0')}_${String(d.getUTCMonth() + 1).padStart(2, '0')}_${d.getUTCFullYear()}`;
      const file = join(options.backupDirectory, `backup.${b.name}.qradar-sim.${stamp}.${b.type.toLowerCase()}.${b.time_initiated}.tgz`);
      const hash = createHash('sha256');
      const source = contentStream({ seed, id: basename(file), size });
      source.on('data', (c: Buffer) => hash.update(c));
      await pipeline(source, createWriteStream(file));
      written.set(basename(file), hash.digest('hex'));
      b.content_file_path = onConsole(file);
      b.size_on_disk = size;
      b.time_completed = Date.now();
      b.status = 'SUCCESS';
      b.is_valid = !faults.invalid;
      if (faults.missingAfterSuccess) await unlink(file);
    })().finally(() => finishing.delete(b.id));
    finishing.set(b.id, work);
    return work;
  };

  /** MISSING when the file is gone; files nobody knows become backups again (inferred rescan). */
  const rescan = async (): Promise<void> => {
    for (const b of backups.values()) {
      await advance(b);
      if ((b.status === 'SUCCESS' || b.status === 'MISSING') && b.content_file_path) {
        // Inferred: a file that comes back makes its record whole again.
        b.status = (await stat(onDisk(b.content_file_path)).catch(() => undefined)) ? 'SUCCESS' : 'MISSING';
      }
    }
    const known = new Set([...backups.values()].map((b) => b.content_file_path));
    for (const name of await readdir(options.backupDirectory)) {
      const path = join(options.backupDirectory, name);
      if (!name.endsWith('.tgz') || known.has(onConsole(path))) continue;
      const s = await stat(path);
      const id = nextId++;
      const parts = name.split('.');
      backups.set(id, {
        id,
        name: parts[1] ?? name,
        description: 'found in /store/backup',
        type: name.includes('.data.') ? 'DATA' : 'CONFIG',
        version,
        status: 'SUCCESS',
        time_initiated: Math.floor(s.mtimeMs),
        time_completed: Math.floor(s.mtimeMs),
        size_on_disk: s.size,
        content_file_path: onConsole(path),
        is_valid: true,
        is_version_compatible: true,
        configuration_id: 1,
        host_id: 53,
        readyAt: 0,
      });
    }
  };

  const unauthorizedCountdown = new AuthenticatedRequestCountdown();
  /** Requests refused since the running restore began (faults.servicesDownDuringRestore). */
  let refusedDuringRestore = 0;
  const servicesStopped = (): boolean => {
    const limit = faults.servicesDownDuringRestore;
    const running = [...restores.values()].find((r) => r.status === 'REQUESTING' || r.status === 'IN_PROGRESS');
    if (limit === undefined || !running) return false;
    if (Date.now() >= running.readyAt && refusedDuringRestore >= limit) return false;
    refusedDuringRestore += 1;
    return true;
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://console').pathname;
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    res.on('close', () => requestLog.push({ method, path, status: res.statusCode, version: header('version'), backupType: header('backup_type') }));
    if (faults.serverErrors && faults.serverErrors.count > 0) {
      faults.serverErrors.count -= 1;
      return error(res, faults.serverErrors.status ?? 503, 1000, 'Simulated server error (faults.serverErrors)');
    }
    if (servicesStopped()) return error(res, 503, 1000, 'The console services are stopped while a restore runs (faults.servicesDownDuringRestore)');
    if (header('sec') !== token) return error(res, 401, 1002, 'No SEC header present in request or invalid token');
    if (unauthorizedCountdown.reached(faults.unauthorizedAfterRequests)) {
      delete faults.unauthorizedAfterRequests;
      return error(res, 401, 1002, 'The authorized service token was revoked (faults.unauthorizedAfterRequests)');
    }

    if (method === 'GET' && path === QRADAR_CONFIG_PATH) {
      return sendJson(res, 200, [{ id: 1, backup_type: 'CONFIG', frequency: 'DAILY', backup_location: onConsole(options.backupDirectory) }]);
    }
    if (path === `${QRADAR_API}/backups` && method === 'GET') {
      await rescan();
      return sendJson(res, 200, [...backups.values()].map(view));
    }
    if (path === `${QRADAR_API}/backups` && method === 'POST') {
      const type = header('backup_type');
      if (type !== 'CONFIG' && type !== 'DATA') return error(res, 422, 1001, 'The backup_type header must be CONFIG or DATA');
      const body = await readJson(req);
      const name = body?.name;
      if (typeof name !== 'string' || name === '') return error(res, 422, 1002, "The 'name' parameter value cannot be null or empty.");
      if (name.length > 100) return error(res, 422, 1003, "The 'name' parameter value must not exceed 100 characters.");
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) return error(res, 422, 1004, "The 'name' parameter must contain only alphanumerics and '_', '-' or '.'.");
      if (body?.configuration_id === undefined || body.configuration_id === null) return error(res, 422, 1006, "The 'configuration_id' parameter value cannot be null or empty.");
      if (body.configuration_id !== 1) return error(res, 422, 1007, 'The backup configuration does not exist.');
      // host_id (seed 003): the host the backup is of, the console when absent; the 422 codes of the seed.
      const hosts = options.hosts ?? DEFAULT_HOSTS;
      const consoleHost = hosts.find((h) => h.console) ?? hosts[0]!;
      const hostId = body.host_id === undefined || body.host_id === null ? consoleHost.id : body.host_id;
      const host = hosts.find((h) => h.id === hostId);
      if (!host) return error(res, 422, 1009, 'The backup host does not exist.');
      if (host.active === false) return error(res, 422, 1010, 'The provided host_id corresponds to a host that is currently not active.');
      if (type === 'CONFIG' && !host.console) {
        return error(res, 422, 1012, 'The provided host_id corresponds to a host that is not the console and the backup type is CONFIG. A config backup can only take place on the console.');
      }
      if (type === 'DATA' && !host.ariel) return error(res, 422, 1013, 'Data backups can only be done on hosts that store ariel data.');
      if (typeof body.description === 'string' && body.description.length > 255) return error(res, 422, 1008, "The 'description' parameter value must not exceed 255 characters.");
      if (faults.conflict && faults.conflict.count > 0) {
        faults.conflict.count -= 1;
        const messages = { 1005: "The 'name' parameter value must be unique.", 1011: 'An undeployed configuration change has been detected.', 1015: 'A backup is already in progress on the host.', 1016: 'A restore is currently in progress.' };
        return error(res, 409, faults.conflict.code, messages[faults.conflict.code]);
      }
      if ((faults.takenNames ?? []).includes(name) || [...backups.values()].some((b) => b.name === name)) {
        return error(res, 409, 1005, "The 'name' parameter value must be unique.");
      }
      const now = Date.now();
      const record: BackupRecord = {
        id: nextId++,
        name,
        description: typeof body.description === 'string' ? body.description : '',
        type,
        version,
        status: 'INITIALIZING',
        time_initiated: now,
        time_completed: null,
        size_on_disk: null,
        content_file_path: null,
        is_valid: true,
        is_version_compatible: true,
        configuration_id: 1,
        host_id: host.id,
        readyAt: now + duration,
      };
      backups.set(record.id, record);
      return sendJson(res, 201, view(record));
    }
    const backupMatch = new RegExp(`^${QRADAR_API}/backups/(\\d+)$`).exec(path);
    if (backupMatch) {
      await rescan();
      const record = backups.get(Number(backupMatch[1]));
      if (!record) return error(res, 404, 1001, 'The backup does not exist.');
      if (method === 'GET') return sendJson(res, 200, view(record));
      if (method === 'DELETE') {
        backups.delete(record.id);
        if (record.content_file_path) await unlink(onDisk(record.content_file_path)).catch(() => undefined);
        return sendJson(res, 202, { ...view(record), status: 'DELETING' });
      }
    }
    if (path === `${QRADAR_API}/restores` && method === 'POST') {
      const body = await readJson(req);
      if ([...restores.values()].some((r) => !['SUCCESS', 'FAILED'].includes(r.status))) return error(res, 409, 1016, 'A restore is currently in progress.');
      const groups = body?.groups;
      if (!Array.isArray(groups) || groups.length === 0) return error(res, 422, 1003, "The 'groups' parameter is required.");
      await rescan();
      const backup = backups.get(Number(body?.backup_id));
      if (!backup) return error(res, 422, 1002, 'The backup does not exist.');
      if (backup.status !== 'SUCCESS' || !backup.is_valid || backup.type !== 'CONFIG') {
        return error(res, 422, 1004, `Backup ${backup.id} cannot be restored (status ${backup.status}, valid ${backup.is_valid}, type ${backup.type}).`);
      }
      const bytes = await hashFile(onDisk(backup.content_file_path!));
      const verdict = written.get(basename(backup.content_file_path!)) === bytes;
      const record: RestoreRecord = { id: nextRestore++, backup_id: backup.id, groups: groups.map(String), status: 'PENDING', readyAt: 0, verdict, message: '' };
      restores.set(record.id, record);
      return sendJson(res, 201, restoreView(record));
    }
    const restoreMatch = new RegExp(`^${QRADAR_API}/restores/(\\d+)$`).exec(path);
    if (restoreMatch) {
      const record = restores.get(Number(restoreMatch[1]));
      if (!record) return error(res, 404, 1001, 'The restore does not exist.');
      if (method === 'POST') {
        const body = await readJson(req);
        if (body?.status !== 'REQUESTING') return error(res, 422, 1005, 'The status can only be updated to REQUESTING.');
        if (record.status !== 'PENDING') return error(res, 409, 1006, `Restore ${record.id} is ${record.status}, not PENDING.`);
        record.status = 'REQUESTING';
        record.readyAt = Date.now() + restoreDuration;
        refusedDuringRestore = 0;
        return sendJson(res, 200, restoreView(record));
      }
      if (method === 'GET') {
        if (record.status === 'REQUESTING' || record.status === 'IN_PROGRESS') {
          if (Date.now() >= record.readyAt) {
            const ok = record.verdict && !faults.restoreFails;
            record.status = ok ? 'SUCCESS' : 'FAILED';
            record.message = ok ? '' : 'The backup archive does not match its manifest';
          } else {
            record.status = 'IN_PROGRESS';
          }
        }
        return sendJson(res, 200, restoreView(record));
      }
    }
    return error(res, 404, 1001, `No resource at ${method} ${path}`);
  };

  const server = await listen(handler, { tls: true });
  return {
    url: server.url,
    ...(server.certificate ? { fingerprint256: server.certificate.fingerprint256 } : {}),
    faults,
    backups: () => [...backups.values()].map(view),
    restores: () => [...restores.values()].map(restoreView),
    writtenFiles: () => Object.fromEntries(written),
    requests: () => requestLog.map((r) => ({ ...r })),
    close: () => server.close(),
  };
}

function restoreView(r: RestoreRecord) {
  return { id: r.id, backup_id: r.backup_id, groups: r.groups, status: r.status, message: r.message };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse((await readSmallBody(req)).toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
