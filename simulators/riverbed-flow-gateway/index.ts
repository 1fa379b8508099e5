import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentStream } from '../common/content';
import { AuthenticatedRequestCountdown } from '../common/faults';
import { readSmallBody, sendEmpty, sendJson } from '../common/http';
import { listen } from '../common/server';

/**
 * A Riverbed Flow Gateway (mgmt.gateway_backup 1.0, seed 002) on loopback: Basic auth, one
 * backup or restore at a time, status NONE / EXECUTING / ERROR / COMPLETED. The gateway "pushes"
 * its backup to the landing host by writing the new directory into `path` on this machine, which
 * the test's sshd serves; it checks the landing host and account it is given like a real push
 * would fail on them. A restore picks the newest directory under `path` (as the seed says) and
 * checks its files against what this gateway wrote.
 */
export const FG_API = '/api/mgmt.gateway_backup/1.0';

export interface FlowGatewayFaults {
  /** The next `count` requests answer this status (default 503). */
  serverErrors?: { count: number; status?: number };
  /** The next `count` GET /backup calls report somebody else's backup EXECUTING. */
  busyPolls?: number;
  /** The backup ends in ERROR with this message. */
  backupFails?: string;
  /** The backup stays EXECUTING for ever. */
  stuck?: boolean;
  /** A non-fatal warning in `message` of a completed backup. */
  warning?: string;
  /** GET /backup answers HTML, or an unknown status. */
  garbage?: 'non-json' | 'unknown-status';
  /** The restore ends in ERROR with this message. */
  restoreFails?: string;
  /**
   * Right after the first GET /backup that shows this run COMPLETED, somebody else's backup
   * (an operator's, to the same landing path) runs and completes: `last_successful` then names
   * a newer directory than the one this run made.
   */
  foreignBackupAfterCompleted?: boolean;
  /**
   * After this many authenticated requests the next one is refused with 401 once (the account was
   * changed or locked meanwhile): Basic auth has no session to renew, so the client must fail.
   */
  unauthorizedAfterRequests?: number;
}

export interface FlowGatewaySimulatorOptions {
  username?: string;
  password?: string;
  /**
   * Where pushes may go: the landing host name and the account the gateway must be given.
   * `root` is where the landing host's `/` lies on this machine: "/" for a real sshd (the
   * default), the served directory for the in-process SFTP server (simulators/common/sftp-server.ts),
   * which is chrooted there. Paths the gateway is given and reports are the landing host's.
   */
  landing: { host: string; username: string; password: string; root?: string };
  /** Size of the main (encrypted) backup file. @default 1 MiB */
  backupSize?: number;
  backupDurationMs?: number;
  restoreDurationMs?: number;
  /**
   * How long after a POST (backup or restore) `running` (and GET /restore) still shows the
   * previous run, finished. The seed: `running` is the "latest started backup, either running or
   * finished"; nothing says the new run shows at once, so it does not (the less convenient reading).
   * @default 250
   */
  startDelayMs?: number;
  /** The gateway's clock minus the real one: every `timeStamp` it reports is off by this much. @default -90000 (90 s behind) */
  clockSkewMs?: number;
  seed?: number;
  tls?: boolean;
  faults?: FlowGatewayFaults;
}

export interface FgBackupRecord {
  /** Absolute directory on this machine. */
  subdir: string;
  /** The same directory as the landing host shows it (what the gateway reports); `subdir` when `landing.root` is "/". */
  landedSubdir: string;
  /** Relative file name -> SHA-256 hex of what was written. */
  files: Record<string, string>;
  securityPasswordHash: string;
}

export interface FgRestoreRecord {
  path: string;
  directory: string | null;
  status: 'EXECUTING' | 'COMPLETED' | 'ERROR';
  message: string;
}

export interface FlowGatewaySimulator {
  url: string;
  fingerprint256?: string;
  faults: FlowGatewayFaults;
  backups(): FgBackupRecord[];
  restores(): FgRestoreRecord[];
  requests(): Array<{ method: string; path: string; status: number }>;
  close(): Promise<void>;
}

interface Run {
  host: string;
  username: string;
  passwordOk: boolean;
  path: string;
  startedAt: number;
  /** Until then `running` still shows the previous run. */
  visibleAt: number;
  readyAt: number;
  status: 'EXECUTING' | 'COMPLETED' | 'ERROR';
  message: string;
  subdir?: string;
  securityPasswordHash: string;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export async function startFlowGatewaySimulator(options: FlowGatewaySimulatorOptions): Promise<FlowGatewaySimulator> {
  const faults = options.faults ?? {};
  const username = options.username ?? 'admin';
  const password = options.password ?? 'admin';
  const backupSize = options.backupSize ?? 1024 * 1024;
  const backupDurationMs = options.backupDurationMs ?? 300;
  const restoreDurationMs = options.restoreDurationMs ?? 300;
  const seed = options.seed ?? 1;
  const startDelayMs = options.startDelayMs ?? 250;
  const clockSkewMs = options.clockSkewMs ?? -90_000;
  /** A time as the gateway's own (skewed) clock gives it, in epoch seconds. */
  const deviceSeconds = (ms: number) => Math.floor((ms + clockSkewMs) / 1000);
  /** A landing host path on this machine. */
  const local = (landingPath: string) => (options.landing.root ? join(options.landing.root, posix.normalize(`/${landingPath}`)) : landingPath);
  const records: FgBackupRecord[] = [];
  const restoreLog: FgRestoreRecord[] = [];
  const requestLog: Array<{ method: string; path: string; status: number }> = [];
  let current: Run | undefined;
  /** The run `running` showed before `current` began (what it keeps showing until `current.visibleAt`). */
  let previous: Run | undefined;
  let lastSuccessful: Run | undefined;
  let foreignPending = false;
  type RestoreRun = FgRestoreRecord & { readyAt: number; startedAt: number; visibleAt: number; host: string; username: string; verdict: { status: 'COMPLETED' | 'ERROR'; message: string } };
  let restore: RestoreRun | undefined;
  let previousRestore: RestoreRun | undefined;
  let completing: Promise<void> | undefined;

  const fail = (res: ServerResponse, status: number, errorId: string, errorText: string) => sendJson(res, status, { error_id: errorId, error_text: errorText });

  /** Moves a finished run to its end state; the push happens here (files written), once. */
  const advance = async (): Promise<void> => {
    if (completing) return completing;
    const run = current;
    if (!run || run.status !== 'EXECUTING' || faults.stuck || Date.now() < run.readyAt) return;
    completing = (async () => {
      if (faults.backupFails) {
        run.status = 'ERROR';
        run.message = faults.backupFails;
        return;
      }
      if (run.host !== options.landing.host || run.username !== options.landing.username || !run.passwordOk) {
        run.status = 'ERROR';
        run.message = `ssh: connect to ${run.username}@${run.host}: Permission denied (publickey,password)`;
        return;
      }
      const exists = await stat(local(run.path)).then((s) => s.isDirectory(), () => false);
      if (!exists) {
        run.status = 'ERROR';
        run.message = `scp: ${run.path}: No such file or directory`;
        return;
      }
      const d = new Date(run.startedAt);
      const pad = (n: number) => String(n).padStart(2, '0');
      let name = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
      const taken = new Set(await readdir(local(run.path)));
      for (let n = 2; taken.has(name); n += 1) name = `${name.replace(/-\d+$/, '')}-${n}`;
      const subdir = join(local(run.path), name);
      const files = await writeBackupDirectory(subdir, { seed, size: backupSize, name });
      const landedSubdir = options.landing.root ? posix.join(run.path, name) : subdir;
      records.push({ subdir, landedSubdir, files, securityPasswordHash: run.securityPasswordHash });
      run.subdir = landedSubdir;
      run.status = 'COMPLETED';
      run.message = faults.warning ?? '';
      lastSuccessful = run;
    })().finally(() => {
      completing = undefined;
    });
    return completing;
  };

  /** Somebody else's backup to the same landing path, started and finished now (faults.foreignBackupAfterCompleted). */
  const runForeignBackup = async (like: Run): Promise<void> => {
    const now = Date.now();
    const foreign: Run = { ...like, startedAt: now, visibleAt: now, readyAt: now, status: 'EXECUTING', message: '' };
    delete foreign.subdir;
    previous = current;
    current = foreign;
    await advance();
  };

  const unauthorizedCountdown = new AuthenticatedRequestCountdown();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    res.on('close', () => requestLog.push({ method, path, status: res.statusCode }));
    if (faults.serverErrors && faults.serverErrors.count > 0) {
      faults.serverErrors.count -= 1;
      return fail(res, faults.serverErrors.status ?? 503, 'INTERNAL_ERROR', 'Simulated server error (faults.serverErrors)');
    }
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return fail(res, 401, req.headers.authorization ? 'AUTH_INVALID_CREDENTIALS' : 'AUTH_REQUIRED', 'Authentication required');
    }
    if (unauthorizedCountdown.reached(faults.unauthorizedAfterRequests)) {
      delete faults.unauthorizedAfterRequests;
      return fail(res, 401, 'AUTH_INVALID_CREDENTIALS', 'Authentication failed: the account was changed (faults.unauthorizedAfterRequests)');
    }
    if (path === `${FG_API}/backup` && method === 'GET') {
      if (foreignPending && current) {
        foreignPending = false;
        await runForeignBackup(current);
      }
      await advance();
      if (faults.garbage === 'non-json') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
        return;
      }
      const foreignBusy = (faults.busyPolls ?? 0) > 0;
      if (foreignBusy) faults.busyPolls! -= 1;
      const view = (run: Run | undefined, withStatus: boolean) =>
        run
          ? {
              host: run.host,
              username: run.username,
              message: run.message,
              path: run.path,
              timeStamp: deviceSeconds(run.startedAt),
              ...(run.subdir ? { subdir: run.subdir } : {}),
              ...(withStatus ? { status: faults.garbage === 'unknown-status' ? 'Exploded' : run.status.toLowerCase() === 'completed' ? 'Completed' : run.status } : {}),
            }
          : withStatus
            ? { status: 'NONE' }
            : {};
      // Until the new run shows, `running` is still the one before it (finished), as the seed allows.
      const shown = current && Date.now() < current.visibleAt ? previous : current;
      const running = foreignBusy
        ? { host: 'other-host', username: 'someone', message: '', path: '/elsewhere', timeStamp: deviceSeconds(Date.now()), status: 'EXECUTING' }
        : view(shown, true);
      if (faults.foreignBackupAfterCompleted && shown === current && current?.status === 'COMPLETED') {
        delete faults.foreignBackupAfterCompleted;
        foreignPending = true;
      }
      return sendJson(res, 200, [{ last_successful: view(lastSuccessful, false), running }]);
    }
    if (path === `${FG_API}/backup` && method === 'POST') {
      const body = await readJson(req);
      const fields = ['hostname', 'username', 'password', 'path', 'security_pwd'] as const;
      const missing = fields.filter((f) => typeof body?.[f] !== 'string' || body[f] === '');
      if (!body || missing.length) return fail(res, 400, 'BAD_REQUEST', `Invalid argument: ${missing.join(', ') || 'body'} required`);
      await advance();
      if (current?.status === 'EXECUTING' || (faults.busyPolls ?? 0) > 0) return fail(res, 400, 'BAD_REQUEST', 'A backup is already in progress');
      const now = Date.now();
      // A wrong landing account is accepted here and fails at the push, as on a real gateway.
      previous = current;
      current = {
        host: body.hostname!,
        username: body.username!,
        passwordOk: body.password === options.landing.password,
        path: body.path!,
        startedAt: now,
        visibleAt: now + startDelayMs,
        readyAt: now + startDelayMs + backupDurationMs,
        status: 'EXECUTING',
        message: '',
        securityPasswordHash: hash(body.security_pwd!),
      };
      return sendEmpty(res, 204);
    }
    if (path === `${FG_API}/restore` && method === 'POST') {
      const body = await readJson(req);
      const fields = ['hostname', 'username', 'password', 'path', 'security_pwd', 'no_cert'] as const;
      const missing = fields.filter((f) => typeof body?.[f] !== 'string');
      if (!body || missing.length) return fail(res, 400, 'BAD_REQUEST', `Invalid argument: ${missing.join(', ') || 'body'} required`);
      if (restore?.status === 'EXECUTING') return fail(res, 400, 'BAD_REQUEST', 'A restore is already in progress');
      const verdict = await judgeRestore(body.path!, body.security_pwd!, body.hostname === options.landing.host && body.username === options.landing.username && body.password === options.landing.password);
      const now = Date.now();
      previousRestore = restore;
      restore = {
        path: body.path!,
        directory: verdict.directory,
        status: 'EXECUTING',
        message: '',
        readyAt: now + startDelayMs + restoreDurationMs,
        startedAt: now,
        visibleAt: now + startDelayMs,
        host: body.hostname!,
        username: body.username!,
        verdict,
      };
      restoreLog.push(restore);
      return sendEmpty(res, 204);
    }
    if (path === `${FG_API}/restore` && method === 'GET') {
      if (restore && restore.status === 'EXECUTING' && Date.now() >= restore.readyAt) {
        restore.status = faults.restoreFails ? 'ERROR' : restore.verdict.status;
        restore.message = faults.restoreFails ?? restore.verdict.message;
      }
      // As with backups, the previous restore (finished) shows until the new one does.
      const shown = restore && Date.now() < restore.visibleAt ? previousRestore : restore;
      if (!shown) return sendJson(res, 200, { status: 'NONE' });
      return sendJson(res, 200, {
        host: shown.host,
        username: shown.username,
        message: shown.message,
        path: shown.directory ? posix.join(shown.path, shown.directory) : shown.path,
        timeStamp: deviceSeconds(shown.startedAt),
        status: shown.status,
      });
    }
    return fail(res, 404, 'RESOURCE_NOT_FOUND', `No resource at ${method} ${path}`);
  };

  /** The seed: the newest directory under `path` is restored; here its files must be ones this gateway wrote. */
  const judgeRestore = async (path: string, securityPwd: string, loginOk: boolean): Promise<{ status: 'COMPLETED' | 'ERROR'; message: string; directory: string | null }> => {
    if (!loginOk) return { status: 'ERROR', message: 'ssh: Permission denied (publickey,password)', directory: null };
    const names = (await readdir(local(path), { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const newest = names.at(-1);
    if (!newest) return { status: 'ERROR', message: `no backup directory under ${path}`, directory: null };
    const record = records.find((r) => posix.basename(r.subdir) === newest);
    if (!record) return { status: 'ERROR', message: `${newest} is not a backup of this gateway`, directory: newest };
    if (record.securityPasswordHash !== hash(securityPwd)) return { status: 'ERROR', message: 'security password does not decrypt the backup', directory: newest };
    for (const [file, sha] of Object.entries(record.files)) {
      const bytes = await readFile(join(local(path), newest, file)).catch(() => undefined);
      if (!bytes || createHash('sha256').update(bytes).digest('hex') !== sha) return { status: 'ERROR', message: `backup file ${file} is missing or corrupt`, directory: newest };
    }
    return { status: 'COMPLETED', message: '', directory: newest };
  };

  const server = await listen(handler, { tls: options.tls ?? true });
  return {
    url: server.url,
    ...(server.certificate ? { fingerprint256: server.certificate.fingerprint256 } : {}),
    faults,
    backups: () => records.map((r) => ({ ...r, files: { ...r.files } })),
    restores: () => restoreLog.map(({ path, directory, status, message }) => ({ path, directory, status, message })),
    requests: () => requestLog.map((r) => ({ ...r })),
    close: () => server.close(),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, string | undefined> | undefined> {
  try {
    const value = JSON.parse((await readSmallBody(req)).toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, string | undefined>) : undefined;
  } catch {
    return undefined;
  }
}

/** The files of one gateway backup: the encrypted archive, a small info file, and a nested key. Returns name -> SHA-256. */
export async function writeBackupDirectory(subdir: string, spec: { seed: number; size: number; name: string }): Promise<Record<string, string>> {
  await mkdir(join(subdir, 'vault'), { recursive: true });
  const files: Record<string, string> = {};
  const main = 'flowgateway_backup.tar.enc';
  const digest = createHash('sha256');
  const source = contentStream({ seed: spec.seed, id: `${spec.name}/${main}`, size: spec.size });
  source.on('data', (chunk: Buffer) => digest.update(chunk));
  await pipeline(source, createWriteStream(join(subdir, main)));
  files[main] = digest.digest('hex');
  const info = `backup=${spec.name}\nproduct=Flow Gateway\nversion=11.18.0\n`;
  await writeFile(join(subdir, 'backup.info'), info);
  files['backup.info'] = createHash('sha256').update(info).digest('hex');
  const key = Buffer.alloc(1000, spec.name.length);
  await writeFile(join(subdir, 'vault', 'cloak_key.enc'), key);
  files['vault/cloak_key.enc'] = createHash('sha256').update(key).digest('hex');
  return files;
}
