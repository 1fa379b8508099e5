import type { NpmV2Server } from './responses';

/** What the config says the filer must look like on the device (user from the filer's secret). */
export interface WantedFiler {
  name: string;
  host: string;
  port: number;
  path: string;
  user: string;
}

export type FilerPlan =
  | { action: 'use'; server: NpmV2Server }
  | { action: 'create' }
  | { action: 'differs'; server: NpmV2Server; differences: string[] }
  | { action: 'ambiguous'; servers: NpmV2Server[] };

const trimSlashes = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/**
 * Whether the configured remote filer exists on the device as configured. A server with the
 * same name but other settings is never changed silently: someone set it up that way (or the
 * config is stale), and pointing the device elsewhere would move where its backups go.
 * Host names compare case-insensitively, paths without trailing slashes. Pure.
 */
export function planFiler(existing: readonly NpmV2Server[], wanted: WantedFiler): FilerPlan {
  const named = existing.filter((s) => s.name === wanted.name);
  if (named.length === 0) return { action: 'create' };
  if (named.length > 1) return { action: 'ambiguous', servers: named };
  const server = named[0]!;
  const differences: string[] = [];
  if (server.host.toLowerCase() !== wanted.host.toLowerCase()) differences.push(`host is "${server.host}" on the device, "${wanted.host}" in the config`);
  if (server.port !== wanted.port) differences.push(`port is ${server.port} on the device, ${wanted.port} in the config`);
  if (trimSlashes(server.path) !== trimSlashes(wanted.path)) differences.push(`path is "${server.path}" on the device, "${wanted.path}" in the config`);
  if (server.user !== wanted.user) differences.push(`user is "${server.user}" on the device, "${wanted.user}" in the filer secret`);
  return differences.length ? { action: 'differs', server, differences } : { action: 'use', server };
}
