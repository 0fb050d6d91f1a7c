import type { RepositoryRoute, Route } from '../routes.js';

/**
 * One access entry of a token: a resource and the actions on it, as in the
 * `access` claim of Distribution's token specification
 * (docs/spec/auth/jwt.md of distribution 2.8).
 */
export interface Access {
  /** `repository`, or `registry` for the catalog. */
  type: string;
  /** A repository name, or `catalog`. */
  name: string;
  actions: string[];
}

/** The catalog resource: `registry:catalog:*`. */
export const CATALOG_ACCESS: Access = { type: 'registry', name: 'catalog', actions: ['*'] };

/**
 * Parses scope strings such as `repository:library/etcd:pull,push`. A query
 * value may hold several scopes separated by spaces (RFC 6749 form). A type
 * like `repository(plugin)` keeps its class suffix out of the type. Invalid
 * entries are skipped, as token servers do.
 */
export function parseScopes(values: readonly string[]): Access[] {
  const scopes: Access[] = [];
  for (const value of values) {
    for (const scope of value.split(' ')) {
      const parsed = parseScope(scope);
      if (parsed) {
        scopes.push(parsed);
      }
    }
  }
  return scopes;
}

function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) {
    return undefined;
  }
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((action) => action.length > 0);
  if (!name || actions.length === 0) {
    return undefined;
  }
  return { type, name, actions };
}

/** Formats an access entry as a scope string, the form of the challenge's `scope` parameter. */
export function formatScope(access: Access): string {
  return `${access.type}:${access.name}:${access.actions.join(',')}`;
}

/**
 * Returns the access a request needs, as Distribution's router assigns it:
 * reads need `pull`, uploads and manifest pushes need `pull,push`, deletes
 * need `delete`, the catalog needs `registry:catalog:*`, and `/v2/` needs
 * only a valid token.
 */
export function requiredAccess(route: Route, method: string): Access | undefined {
  if (route.kind === 'catalog') {
    return CATALOG_ACCESS;
  }
  if (!('repository' in route)) {
    return undefined;
  }
  return { type: 'repository', name: route.repository, actions: repositoryActions(route, method) };
}

function repositoryActions(route: RepositoryRoute, method: string): string[] {
  if (method === 'DELETE' && (route.kind === 'manifest' || route.kind === 'blob')) {
    return ['delete'];
  }
  if (route.kind === 'uploads' || route.kind === 'upload') {
    return ['pull', 'push'];
  }
  if (method === 'GET' || method === 'HEAD') {
    return ['pull'];
  }
  return ['pull', 'push'];
}

/** Returns true when `granted` includes every action of `needed`. `*` grants every action. */
export function covers(granted: readonly Access[], needed: Access): boolean {
  const actions = new Set<string>();
  for (const entry of granted) {
    if (entry.type === needed.type && entry.name === needed.name) {
      entry.actions.forEach((action) => actions.add(action));
    }
  }
  return actions.has('*') || needed.actions.every((action) => actions.has(action));
}
