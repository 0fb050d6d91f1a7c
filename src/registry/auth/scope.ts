import { BoundedMemo } from '../bounded-memo.js';
import type { RepositoryScope } from '../transport-types.js';

/**
 * Token scopes in the grammar of the Docker token specification
 * (distribution/distribution v2.8.2, docs/spec/auth/scope.md):
 * `resourcetype:resourcename:action[,action...]`, such as
 * `repository:library/etcd:pull,push`.
 */

/** Order in which actions are written, so equal scopes give equal strings and cache keys. */
const ACTION_ORDER = ['pull', 'push', 'delete', '*'];

interface ParsedScope {
  /** `repository`, `registry` or another resource type, with an optional class such as `repository(plugin)`. */
  type: string;
  name: string;
  actions: Set<string>;
}

/** Writes a repository scope: `repository:NAME:ACTIONS`. */
export function repositoryScope(scope: RepositoryScope): string {
  return `repository:${scope.repository}:${sortActions(scope.actions).join(',')}`;
}

/**
 * Merges scope strings into one canonical list: one entry per resource with
 * the union of its actions, in a fixed order. A cross-repository mount
 * requests `pull` on the source and `pull,push` on the target, and the
 * challenge of a 401 may name the same repository again. The merge keeps one
 * scope per repository.
 * Strings that do not have three colon-separated parts are kept as they are.
 */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  // Every request of a token-auth registry normalises the same few lists, so results are kept by input.
  const input = [...scopes];
  return [...normalized.get(input.join('\n'), () => mergeScopes(input))];
}

/** Results of {@link normalizeScopes} by input, joined with newlines, which scope strings never contain. */
const normalized = new BoundedMemo<readonly string[]>(512);

function mergeScopes(scopes: readonly string[]): string[] {
  const merged = new Map<string, ParsedScope>();
  const opaque = new Set<string>();

  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (!parsed) {
      opaque.add(scope);
      continue;
    }

    const key = `${parsed.type}:${parsed.name}`;
    const existing = merged.get(key);
    if (existing) {
      parsed.actions.forEach((action) => existing.actions.add(action));
    } else {
      merged.set(key, parsed);
    }
  }

  const written = [...merged.values()].map((scope) => `${scope.type}:${scope.name}:${sortActions(scope.actions).join(',')}`);
  return [...written, ...opaque].sort();
}

/** Splits a `scope` value of a challenge, which may list several scopes separated by spaces. */
export function splitScopeParameter(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(' ').filter((scope) => scope !== '');
}

/**
 * Returns true when the scopes `granted` to a token include every action of
 * `needed`. A token asked for with `pull,push` serves a later `pull` request.
 */
export function scopesCover(granted: readonly string[], needed: readonly string[]): boolean {
  const grantedByResource = new Map<string, Set<string>>();
  for (const scope of granted) {
    const parsed = parseScope(scope);
    if (parsed) {
      grantedByResource.set(`${parsed.type}:${parsed.name}`, parsed.actions);
    } else {
      grantedByResource.set(scope, new Set());
    }
  }

  return needed.every((scope) => {
    const parsed = parseScope(scope);
    if (!parsed) {
      return grantedByResource.has(scope);
    }
    const actions = grantedByResource.get(`${parsed.type}:${parsed.name}`);
    return actions !== undefined && [...parsed.actions].every((action) => actions.has(action));
  });
}

function parseScope(scope: string): ParsedScope | undefined {
  // The name may itself hold a colon (a registry host with a port), so the
  // type ends at the first colon and the actions start after the last.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first + 1 || last === scope.length - 1) {
    return undefined;
  }

  const actions = scope
    .slice(last + 1)
    .split(',')
    .map((action) => action.trim())
    .filter((action) => action !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: new Set(actions) };
}

function sortActions(actions: Iterable<string>): string[] {
  const rank = (action: string): number => {
    const index = ACTION_ORDER.indexOf(action);
    return index === -1 ? ACTION_ORDER.length : index;
  };
  return [...new Set(actions)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
