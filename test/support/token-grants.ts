/**
 * Decides which of the requested actions a token grants. Grants follow the
 * `access` claim of the Docker Registry token specification
 * (distribution docs/spec/auth/scope.md, "JWT Access Tokens"): one entry per resource.
 */
import type { ResourceScope } from './token-scope.js';

/**
 * Returns the actions `user` may take on `repository`, given the requested
 * actions; `user` is undefined for an anonymous request. Actions not
 * requested are dropped from the result.
 */
export type TokenAcl = (user: string | undefined, repository: string, actions: string[]) => string[];

/** One entry of a token's `access` claim. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Actions a signed-in user gets on every repository by default. */
const USER_REPOSITORY_ACTIONS = ['pull', 'push', 'delete'];

/**
 * Returns the default ACL: users get pull, push and delete on every
 * repository, and anonymous requests get pull only when `allowAnonymousPull`.
 */
export function defaultAcl(allowAnonymousPull: boolean): TokenAcl {
  return (user, _repository, actions) => {
    if (user === undefined) return allowAnonymousPull ? actions.filter((action) => action === 'pull') : [];
    return actions.filter((action) => USER_REPOSITORY_ACTIONS.includes(action));
  };
}

/**
 * Grants the requested scopes: repository scopes through `acl`, and other
 * resource types (such as `registry:catalog:*`) in full to users and not at
 * all to anonymous requests. Resources left with no action are omitted.
 */
export function grantAccess(user: string | undefined, scopes: readonly ResourceScope[], acl: TokenAcl): ResourceAccess[] {
  const access: ResourceAccess[] = [];
  for (const scope of scopes) {
    let allowed: string[];
    if (scope.type === 'repository') {
      // The ACL may return anything, so only requested actions are kept.
      allowed = acl(user, scope.name, [...scope.actions]).filter((action) => scope.actions.includes(action));
    } else {
      allowed = user === undefined ? [] : [...scope.actions];
    }

    if (allowed.length > 0) access.push({ type: scope.type, name: scope.name, actions: [...new Set(allowed)] });
  }
  return access;
}
