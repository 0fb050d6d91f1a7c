/**
 * Parses the `scope` parameters of token requests, in the grammar of the
 * Docker Registry token specification (distribution docs/spec/auth/scope.md):
 * `type[(class)]:name:action[,action...]`, for example
 * `repository:apps/etcd:pull,push` or `registry:catalog:*`. One parameter
 * may list several scopes separated by spaces, as OAuth 2 allows.
 */
import { InvalidTokenRequestError } from './errors.js';

/** One requested resource and the actions requested on it. */
export interface ResourceScope {
  /** Resource type, such as `repository` or `registry`. */
  type: string;
  /** Resource class, such as `plugin` in `repository(plugin):name:pull`, or undefined. */
  resourceClass?: string;
  /** Resource name, such as `apps/etcd` or `catalog`. */
  name: string;
  actions: string[];
}

const TYPE_PATTERN = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;

/**
 * Parses every scope of a token request, merging the actions of repeated
 * resources in first-seen order.
 *
 * @throws InvalidTokenRequestError for a scope without type, name or actions.
 */
export function parseScopes(parameters: readonly string[]): ResourceScope[] {
  const merged = new Map<string, ResourceScope>();
  for (const parameter of parameters) {
    for (const text of parameter.split(' ').filter(Boolean)) {
      const scope = parseScope(text);
      const key = `${scope.type}(${scope.resourceClass ?? ''}):${scope.name}`;
      const existing = merged.get(key);
      if (existing === undefined) {
        merged.set(key, scope);
        continue;
      }
      for (const action of scope.actions) {
        if (!existing.actions.includes(action)) existing.actions.push(action);
      }
    }
  }
  return [...merged.values()];
}

/** Parses one scope. The name is everything between the first and the last colon, so it may contain colons. */
export function parseScope(text: string): ResourceScope {
  const firstColon = text.indexOf(':');
  const lastColon = text.lastIndexOf(':');
  const typeMatch = TYPE_PATTERN.exec(text.slice(0, Math.max(firstColon, 0)));
  const name = text.slice(firstColon + 1, lastColon);
  const actions = text
    .slice(lastColon + 1)
    .split(',')
    .filter(Boolean);

  if (firstColon === -1 || firstColon === lastColon || typeMatch === null || name.length === 0 || actions.length === 0) {
    throw new InvalidTokenRequestError(
      `scope "${text}" is invalid: use type:name:actions, such as repository:apps/etcd:pull,push`,
    );
  }

  const [, type = '', resourceClass] = typeMatch;
  return resourceClass === undefined ? { type, name, actions: [...new Set(actions)] } : { type, resourceClass, name, actions: [...new Set(actions)] };
}
