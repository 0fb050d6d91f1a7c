import { describe, expect, it } from 'vitest';
import {
  familiarName,
  formatReference,
  manifestIdentifier,
  parseReference,
  parseRepository,
  toReference,
  withDigest,
  withTag,
  type Reference,
} from '../../src/registry/reference.js';
import { isTagkeeperError } from '../../src/errors.js';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'b'.repeat(128)}`;

describe('parseReference', () => {
  const valid: Array<[string, Reference]> = [
    ['etcd', { registry: 'docker.io', repository: 'library/etcd' }],
    ['etcd:3.4.13', { registry: 'docker.io', repository: 'library/etcd', tag: '3.4.13' }],
    ['bitnami/etcd:3', { registry: 'docker.io', repository: 'bitnami/etcd', tag: '3' }],
    ['docker.io/etcd', { registry: 'docker.io', repository: 'library/etcd' }],
    ['index.docker.io/library/etcd', { registry: 'docker.io', repository: 'library/etcd' }],
    ['ghcr.io/org/team/app:v1', { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1' }],
    ['GHCR.io/org/app', { registry: 'ghcr.io', repository: 'org/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:1', { registry: 'localhost:5000', repository: 'app', tag: '1' }],
    ['127.0.0.1:5000/app', { registry: '127.0.0.1:5000', repository: 'app' }],
    ['[::1]:5000/app:tag', { registry: '[::1]:5000', repository: 'app', tag: 'tag' }],
    ['[::1]/app', { registry: '[::1]', repository: 'app' }],
    ['registry:5000/app', { registry: 'registry:5000', repository: 'app' }],
    ['etcd@' + SHA256, { registry: 'docker.io', repository: 'library/etcd', digest: SHA256 }],
    ['etcd:3@' + SHA512, { registry: 'docker.io', repository: 'library/etcd', tag: '3', digest: SHA512 }],
    ['a/b.c_d__e-f--g/h', { registry: 'docker.io', repository: 'a/b.c_d__e-f--g/h' }],
    ['app:_Tag.1-x', { registry: 'docker.io', repository: 'library/app', tag: '_Tag.1-x' }],
    ['app:' + 'a'.repeat(128), { registry: 'docker.io', repository: 'library/app', tag: 'a'.repeat(128) }],
    // An upper-case first component can only be a host name.
    ['Registry/app', { registry: 'registry', repository: 'app' }],
    // Without "/", "localhost:5000" is the repository "localhost" with tag "5000", as in Docker.
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
  ];

  it.each(valid)('parses %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['MyApp', /lower-case, "MyApp"/],
    ['ghcr.io/Org/app', /lower-case, "Org"/],
    ['app:', /tag after ":" is empty/],
    ['app:-bad', /tag "-bad" is invalid/],
    ['app:.bad', /tag ".bad" is invalid/],
    ['app:a+b', /tag "a\+b" is invalid/],
    ['app:' + 'a'.repeat(129), /129 characters, the maximum is 128/],
    ['app@sha256:abc', /: the digest "sha256:abc" has 3 hex characters; sha256 needs 64$/],
    ['app@sha256:' + 'A'.repeat(64), /is not lower-case hex; write it in lower case$/],
    ['app@md5:' + 'a'.repeat(32), /: unsupported digest algorithm "md5"; use sha256 or sha512$/],
    ['app@sha256:../../etc/passwd', /is not lower-case hex/],
    ['app@' + 'a'.repeat(64), /has no algorithm/],
    ['app@', /has no algorithm/],
    ['app@sha256:' + 'a'.repeat(64) + '@sha256:' + 'a'.repeat(64), /is not lower-case hex/],
    ['a//b', /empty path component/],
    ['a/b/', /empty path component/],
    ['/a', /empty path component/],
    ['ghcr.io/', /repository name is empty/],
    ['a/-b', /path component "-b" is invalid/],
    ['a/b_', /path component "b_" is invalid/],
    ['a/b___c', /path component "b___c" is invalid/],
    ['a b', /path component "a b" is invalid/],
    ['a/../b', /path component "\.\." is invalid/],
    ['-host.io/app', /registry "-host.io" is not a valid host/],
    ['host.io:99999/app', /port 99999 is out of range/],
    ['host.io:0/app', /port 0 is out of range/],
    ['a'.repeat(64), /image ID, not a repository/],
    [`r.io/${'a'.repeat(251)}`, /the maximum is 255/],
  ];

  it.each(invalid)('rejects %j', (input, reason) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (error) {
      caught = error;
    }
    expect(isTagkeeperError(caught)).toBe(true);
    expect((caught as Error).name).toBe('InvalidReferenceError');
    expect((caught as { code: string }).code).toBe('INVALID_REFERENCE');
    expect((caught as Error).message).toContain(`invalid reference "${input}"`);
    expect((caught as Error).message).toMatch(reason);
  });

  it('accepts a name of exactly 255 characters', () => {
    const path = 'a'.repeat(255 - 'r.io/'.length);
    expect(parseReference(`r.io/${path}`).repository).toBe(path);
  });
});

describe('parseRepository', () => {
  it.each([
    ['etcd', 'docker.io/library/etcd'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app'],
  ])('parses %s without tag', (input, expected) => {
    expect(formatReference(parseRepository(input))).toBe(expected);
  });

  it.each(['etcd:3', `etcd@${SHA256}`])('rejects %s with a tag or digest', (input) => {
    expect(() => parseRepository(input)).toThrow(/takes no tag or digest/);
  });
});

describe('formatting', () => {
  const cases: Array<[string, string, string]> = [
    ['etcd:3', 'docker.io/library/etcd:3', 'etcd:3'],
    ['bitnami/etcd', 'docker.io/bitnami/etcd', 'bitnami/etcd'],
    ['library/a/b', 'docker.io/library/a/b', 'library/a/b'],
    [`ghcr.io/o/app:1@${SHA256}`, `ghcr.io/o/app:1@${SHA256}`, `ghcr.io/o/app:1@${SHA256}`],
    ['[::1]:5000/app', '[::1]:5000/app', '[::1]:5000/app'],
  ];

  it.each(cases)('formats %s in full and familiar form', (input, full, familiar) => {
    const reference = parseReference(input);
    expect(formatReference(reference)).toBe(full);
    expect(familiarName(reference)).toBe(familiar);
    expect(parseReference(formatReference(reference))).toEqual(reference);
  });
});

describe('reference helpers', () => {
  const base = parseReference(`ghcr.io/o/app:1@${SHA256}`);

  it('withTag replaces the tag and drops the digest', () => {
    expect(withTag(base, '2')).toEqual({ registry: 'ghcr.io', repository: 'o/app', tag: '2' });
  });

  it('withTag rejects an invalid tag', () => {
    expect(() => withTag(base, 'bad tag')).toThrow(/tag "bad tag" is invalid/);
  });

  it('withDigest keeps the tag and validates the digest', () => {
    expect(withDigest(base, SHA512)).toEqual({ registry: 'ghcr.io', repository: 'o/app', tag: '1', digest: SHA512 });
    expect(() => withDigest(base, 'sha256:/../x')).toThrow(/invalid reference/);
  });

  it.each([
    ['app', 'latest'],
    ['app:3', '3'],
    [`app:3@${SHA256}`, SHA256],
  ])('manifestIdentifier of %s is %s', (input, identifier) => {
    expect(manifestIdentifier(parseReference(input))).toBe(identifier);
  });

  it('toReference validates hand-built objects', () => {
    expect(toReference({ registry: 'docker.io', repository: 'etcd' })).toEqual({ registry: 'docker.io', repository: 'library/etcd' });
    expect(() => toReference({ registry: 'r.io', repository: 'Bad' })).toThrow(/lower-case/);
    expect(() => toReference({ registry: 'r.io', repository: 'app', digest: 'sha256:x/../../y' })).toThrow(/digest/);
  });
});
