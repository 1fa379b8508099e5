/** A simulated API's route table and the decision which route serves a request. */

export interface Route<H> {
  pattern: RegExp;
  /** false: reachable without credentials (info, login, service definition). */
  auth: boolean;
  methods: Partial<Record<string, H>>;
}

export type RouteDecision<H> =
  | { kind: 'serve'; handler: H; /** The pattern's groups, URI-decoded. */ params: string[] }
  | { kind: 'method-not-allowed' }
  | { kind: 'unauthenticated' }
  | { kind: 'not-found' };

/**
 * The first route whose pattern matches `path` decides: its handler for `method` (405 without
 * one), after `isAuthenticated` for a route that needs credentials (401). `isAuthenticated` runs
 * only then, because it may count the request against an armed fault.
 */
export function routeRequest<H>(routes: readonly Route<H>[], method: string, path: string, isAuthenticated: () => boolean): RouteDecision<H> {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const handler = route.methods[method];
    if (!handler) return { kind: 'method-not-allowed' };
    if (route.auth && !isAuthenticated()) return { kind: 'unauthenticated' };
    return { kind: 'serve', handler, params: match.slice(1).map((part) => decodeURIComponent(part)) };
  }
  return { kind: 'not-found' };
}
