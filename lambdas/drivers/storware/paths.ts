/**
 * Where things are on a Storware Backup & Recovery (vProtect) server: seed 004 (backups
 * controller) and device-apis.md (session login, tasks). Paths are from the device URL, which
 * is the server's origin (https://host:8181); ids are encoded because they come from config or
 * from the server.
 */
const API = '/api';

export const storwarePaths = {
  /** Body {"login","password"}; answers with a session cookie. */
  login: `${API}/session/login`,
  /** One export task per protected entity; a STORE task follows on its own. */
  exportTask: `${API}/tasks/export`,
  restoreAndImport: `${API}/tasks/restore-and-import`,
  /** GET: every task, paged (`page` from 0, `size`). */
  tasks: `${API}/tasks`,
  task: (guid: string) => `${API}/tasks/${encodeURIComponent(guid)}`,
  backup: (guid: string) => `${API}/backups/${encodeURIComponent(guid)}`,
  /** GET with query parameters from, to, status (repeatable), protected-entity, ... (seed 004). */
  backups: `${API}/backups`,
} as const;

/** `/api/backups?...` with the seed's query parameters; repeatable ones (status) may be arrays. */
export function backupsQuery(params: Record<string, string | number | readonly string[] | undefined>): string {
  return withQuery(storwarePaths.backups, params);
}

/** `path?...`: parameters in the order given, undefined ones left out, arrays repeated. */
export function withQuery(path: string, params: Record<string, string | number | readonly string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(name, String(v));
    else search.append(name, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}
