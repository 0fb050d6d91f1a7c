import { describe, expect, it } from 'vitest';

import { defaultAcl, grantAccess, type TokenAcl } from '../support/token-grants.js';
import { parseScope, parseScopes } from '../support/token-scope.js';

describe('parseScope', () => {
  it.each([
    ['repository:apps/etcd:pull', { type: 'repository', name: 'apps/etcd', actions: ['pull'] }],
    ['repository:apps/etcd:pull,push', { type: 'repository', name: 'apps/etcd', actions: ['pull', 'push'] }],
    ['repository:apps/etcd:pull,pull,push', { type: 'repository', name: 'apps/etcd', actions: ['pull', 'push'] }],
    ['registry:catalog:*', { type: 'registry', name: 'catalog', actions: ['*'] }],
    ['repository(plugin):vieux/sshfs:pull', { type: 'repository', resourceClass: 'plugin', name: 'vieux/sshfs', actions: ['pull'] }],
    ['repository:localhost:5000/app:push', { type: 'repository', name: 'localhost:5000/app', actions: ['push'] }],
  ])('parses %s', (text, expected) => {
    expect(parseScope(text)).toEqual(expected);
  });

  it.each(['repository', 'repository:apps/etcd', 'repository::pull', ':apps/etcd:pull', 'repository:apps/etcd:', 'Repository:a:pull', 'repository(:a:pull'])(
    'rejects %j',
    (text) => {
      expect(() => parseScope(text)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN_REQUEST' }));
    },
  );
});

describe('parseScopes', () => {
  it('reads several parameters and space-separated lists', () => {
    expect(parseScopes(['repository:a:pull', 'repository:b:push registry:catalog:*'])).toEqual([
      { type: 'repository', name: 'a', actions: ['pull'] },
      { type: 'repository', name: 'b', actions: ['push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('merges the actions of a repeated resource', () => {
    expect(parseScopes(['repository:a:pull', 'repository:a:push,pull'])).toEqual([
      { type: 'repository', name: 'a', actions: ['pull', 'push'] },
    ]);
  });

  it('returns no scopes for no parameters', () => {
    expect(parseScopes([])).toEqual([]);
  });
});

describe('grantAccess', () => {
  const pullPushDelete = parseScopes(['repository:apps/db:pull,push,delete,*']);

  it.each<[string, string | undefined, boolean, string[]]>([
    ['users get pull, push and delete', 'tester', false, ['pull', 'push', 'delete']],
    ['anonymous get nothing by default', undefined, false, []],
    ['anonymous get pull when allowed', undefined, true, ['pull']],
  ])('default ACL: %s', (_case, user, allowAnonymousPull, actions) => {
    const access = grantAccess(user, pullPushDelete, defaultAcl(allowAnonymousPull));
    expect(access).toEqual(actions.length === 0 ? [] : [{ type: 'repository', name: 'apps/db', actions }]);
  });

  it('grants catalog access to users only', () => {
    const catalog = parseScopes(['registry:catalog:*']);
    expect(grantAccess('tester', catalog, defaultAcl(true))).toEqual([{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    expect(grantAccess(undefined, catalog, defaultAcl(true))).toEqual([]);
  });

  it('passes user, repository and actions to a custom ACL', () => {
    const calls: unknown[] = [];
    const acl: TokenAcl = (user, repository, actions) => {
      calls.push({ user, repository, actions });
      return repository.startsWith('public/') ? ['pull'] : [];
    };

    const access = grantAccess('reader', parseScopes(['repository:public/a:pull,push', 'repository:private/b:pull']), acl);

    expect(access).toEqual([{ type: 'repository', name: 'public/a', actions: ['pull'] }]);
    expect(calls).toEqual([
      { user: 'reader', repository: 'public/a', actions: ['pull', 'push'] },
      { user: 'reader', repository: 'private/b', actions: ['pull'] },
    ]);
  });

  it('drops actions the ACL grants but nobody requested', () => {
    const access = grantAccess('tester', parseScopes(['repository:a:pull']), () => ['pull', 'push', 'delete']);
    expect(access).toEqual([{ type: 'repository', name: 'a', actions: ['pull'] }]);
  });
});
