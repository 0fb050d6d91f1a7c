import { describe, expect, it } from 'vitest';

import { normalizeScopes, repositoryScope, scopesCover, splitScopeParameter } from '../../../src/registry/auth/scope.js';
import type { RepositoryScope } from '../../../src/registry/transport-types.js';

describe('repositoryScope', () => {
  const cases: Array<{ scope: RepositoryScope; expected: string }> = [
    { scope: { repository: 'library/etcd', actions: ['pull'] }, expected: 'repository:library/etcd:pull' },
    { scope: { repository: 'org/app', actions: ['push', 'pull'] }, expected: 'repository:org/app:pull,push' },
    { scope: { repository: 'a', actions: ['delete', 'pull', 'pull'] }, expected: 'repository:a:pull,delete' },
    { scope: { repository: 'a', actions: ['*'] }, expected: 'repository:a:*' },
  ];

  it.each(cases)('writes $expected', ({ scope, expected }) => {
    expect(repositoryScope(scope)).toBe(expected);
  });
});

describe('normalizeScopes', () => {
  const cases = [
    {
      name: 'mount scopes stay separate per repository',
      input: ['repository:target/app:push,pull', 'repository:source/app:pull'],
      expected: ['repository:source/app:pull', 'repository:target/app:pull,push'],
    },
    {
      name: 'actions of one repository merge',
      input: ['repository:org/app:pull', 'repository:org/app:push'],
      expected: ['repository:org/app:pull,push'],
    },
    {
      name: 'duplicates collapse',
      input: ['repository:org/app:pull', 'repository:org/app:pull'],
      expected: ['repository:org/app:pull'],
    },
    {
      name: 'registry scopes and resource classes are kept',
      input: ['registry:catalog:*', 'repository(plugin):vieux/sshfs:pull'],
      expected: ['registry:catalog:*', 'repository(plugin):vieux/sshfs:pull'],
    },
    {
      name: 'a name with a port keeps its colon',
      input: ['repository:host:5000/app:pull'],
      expected: ['repository:host:5000/app:pull'],
    },
    { name: 'opaque strings are kept as they are', input: ['odd', 'a:b'], expected: ['a:b', 'odd'] },
    { name: 'no scopes', input: [], expected: [] },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(normalizeScopes(input)).toEqual(expected);
  });
});

describe('splitScopeParameter', () => {
  it.each([
    { value: undefined, expected: [] },
    { value: '', expected: [] },
    { value: 'repository:a:pull', expected: ['repository:a:pull'] },
    { value: 'repository:a:pull repository:b:pull,push', expected: ['repository:a:pull', 'repository:b:pull,push'] },
  ])('splits $value', ({ value, expected }) => {
    expect(splitScopeParameter(value)).toEqual(expected);
  });
});

describe('scopesCover', () => {
  const cases = [
    { granted: ['repository:a:pull,push'], needed: ['repository:a:pull'], covers: true },
    { granted: ['repository:a:pull'], needed: ['repository:a:pull,push'], covers: false },
    { granted: ['repository:a:pull'], needed: ['repository:b:pull'], covers: false },
    { granted: ['repository:a:pull', 'repository:b:pull,push'], needed: ['repository:b:push'], covers: true },
    { granted: ['repository:a:pull'], needed: [], covers: true },
    { granted: [], needed: ['repository:a:pull'], covers: false },
    { granted: ['odd'], needed: ['odd'], covers: true },
  ];

  it.each(cases)('$granted covers $needed: $covers', ({ granted, needed, covers }) => {
    expect(scopesCover(granted, needed)).toBe(covers);
  });
});
