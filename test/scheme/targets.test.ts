import { describe, expect, it } from 'vitest';
import {
  isInScope,
  isInvalidTagError,
  isTagPolicyError,
  newestRevision,
  nextRevision,
  parseTag,
  rollingTargets,
  scopeMembers,
  scopeOf,
  type ImmutableTag,
  type TagPolicyInput,
} from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

const POLICY: TagPolicyInput = { defaultDistro: 'debian-12' };
const MINOR_POLICY: TagPolicyInput = { defaultDistro: 'debian-12', levels: ['minor', 'version'] };

describe('scopeOf', () => {
  const cases: Array<[string, TagPolicyInput, object]> = [
    ['latest', POLICY, { level: 'latest', distro: 'debian-12', stableOnly: true }],
    [
      'latest',
      { ...POLICY, latestBranch: '3.5' },
      { level: 'latest', distro: 'debian-12', prefix: '', release: ['3', '5'], stableOnly: true },
    ],
    ['3', POLICY, { level: 'major', distro: 'debian-12', prefix: '', release: ['3'], stableOnly: true }],
    ['v3', POLICY, { level: 'major', distro: 'debian-12', prefix: 'v', release: ['3'], stableOnly: true }],
    ['3-debian-11', POLICY, { level: 'major-distro', distro: 'debian-11', release: ['3'], stableOnly: true }],
    [
      '3.4',
      { ...POLICY, levels: ['minor'], prereleaseTags: true },
      { level: 'minor', distro: 'debian-12', release: ['3', '4'], stableOnly: false },
    ],
    ['3.4.13', POLICY, { level: 'version', distro: 'debian-12', version: '3.4.13', stableOnly: false }],
    ['3.11.0-rc1-ol-7', POLICY, { level: 'version-distro', distro: 'ol-7', version: '3.11.0-rc1', stableOnly: false }],
    ['4.0', { ...POLICY, levels: ['minor', 'version'] }, { level: 'minor', release: ['4', '0'] }],
    ['4.0', { ...POLICY, levels: ['version'] }, { level: 'version', version: '4.0' }],
    ['17-debian-12', { ...POLICY, levels: ['version-distro'] }, { level: 'version-distro', version: '17' }],
    ['17', { ...POLICY, levels: ['latest'] }, { level: 'major', release: ['17'] }],
  ];

  it.each(cases)('gives %s under %j the scope %j', (tag, policy, scope) => {
    expect(scopeOf(tag, policy)).toMatchObject({ tag, ...scope });
  });

  it('accepts a parsed rolling tag', () => {
    const tag = parseTag('3-debian-11');
    expect(tag.kind).toBe('rolling');
    expect(scopeOf(tag.kind === 'rolling' ? tag : 'latest', POLICY).distro).toBe('debian-11');
  });

  it.each([
    ['3.4.13-debian-10-r8', 'it is an immutable tag'],
    ['nightly', 'is not a rolling tag: it is not "latest"'],
  ])('rejects %s', (tag, reason) => {
    const error = thrownBy(() => scopeOf(tag, POLICY));
    expect(isInvalidTagError(error)).toBe(true);
    expect(error.message).toContain(reason);
  });

  it('needs a default distro for a tag without one', () => {
    expect(isTagPolicyError(thrownBy(() => scopeOf('3', {})))).toBe(true);
    expect(scopeOf('3-debian-12', {}).distro).toBe('debian-12');
  });
});

describe('isInScope', () => {
  const cases: Array<[string, TagPolicyInput, string, boolean]> = [
    ['3', POLICY, '3.4.13-debian-12-r0', true],
    ['3', POLICY, '3-debian-12-r0', true],
    ['3', POLICY, '30.1.0-debian-12-r0', false],
    ['3', POLICY, '3.4.13-debian-11-r0', false],
    ['3', POLICY, 'v3.4.13-debian-12-r0', false],
    ['3', POLICY, '3.5.0-rc1-debian-12-r0', false],
    ['3', { ...POLICY, prereleaseTags: true }, '3.5.0-rc1-debian-12-r0', true],
    ['3.4', MINOR_POLICY, '3.4-debian-12-r0', true],
    ['3.4', MINOR_POLICY, '3.4.1-debian-12-r0', true],
    ['3.4', MINOR_POLICY, '3.40.1-debian-12-r0', false],
    ['3.4', MINOR_POLICY, '3-debian-12-r0', false],
    ['3.4', POLICY, '3.4-debian-12-r0', true],
    ['3.4', POLICY, '3.4.1-debian-12-r0', false],
    ['2023.01', MINOR_POLICY, '2023.01.05-debian-12-r0', true],
    ['2023.01', MINOR_POLICY, '2023.1.5-debian-12-r0', false],
    ['3.4.13', POLICY, '3.4.13-debian-12-r7', true],
    ['3.4.13', POLICY, '3.4.13-7-debian-12-r0', false],
    ['3.4.13-debian-11', POLICY, '3.4.13-debian-11-r1', true],
    ['latest', POLICY, 'v9.0.0-debian-12-r0', true],
    ['latest', POLICY, '9.0.0-beta-debian-12-r0', false],
    ['latest', { ...POLICY, latestBranch: '3.5' }, '3.5.9-debian-12-r0', true],
    ['latest', { ...POLICY, latestBranch: '3.5' }, '3.6.0-debian-12-r0', false],
  ];

  it.each(cases)('decides whether %s under %j stands for %s', (rolling, policy, immutable, expected) => {
    expect(isInScope(scopeOf(rolling, policy), parseTag(immutable) as ImmutableTag)).toBe(expected);
  });
});

describe('scopeMembers', () => {
  it('lists the members newest first and skips other tags', () => {
    const published = [
      '3.4.13-debian-12-r9',
      '3.5.0-debian-12-r0',
      '3.4.13-debian-12-r10',
      '3.5.0-debian-11-r3',
      'latest',
      'nightly',
      '3.6.0-rc1-debian-12-r0',
    ];
    expect(scopeMembers(scopeOf('3', POLICY), published).map((tag) => tag.tag)).toEqual([
      '3.5.0-debian-12-r0',
      '3.4.13-debian-12-r10',
      '3.4.13-debian-12-r9',
    ]);
  });
});

describe('newestRevision', () => {
  const published = [
    '3.4.13-debian-10-r9',
    '3.4.13-debian-10-r10',
    '3.4.13-debian-10-r100',
    '3.4.13-debian-11-r2',
    '3.4.13-debian-10',
    'v3.4.13-debian-10-r500',
  ];

  it.each([
    ['3.4.13', 'debian-10', 100],
    ['3.4.13', 'debian-11', 2],
    ['3.4.13', 'debian-12', undefined],
    ['3.4.14', 'debian-10', undefined],
    ['v3.4.13', 'debian-10', 500],
  ])('of %s on %s is %s', (version, distro, revision) => {
    expect(newestRevision(published, version, distro)).toBe(revision);
  });

  it('is followed by nextRevision', () => {
    expect(nextRevision(published, '3.4.13', 'debian-10')).toBe(101);
    expect(nextRevision(published, '3.4.13', 'debian-12')).toBe(0);
  });

  it('rejects an invalid version or distro', () => {
    expect(thrownBy(() => newestRevision(published, 'latest', 'debian-10')).code).toBe('INVALID_VERSION');
    expect(thrownBy(() => newestRevision(published, '3.4.13', 'debian')).code).toBe('INVALID_TAG');
  });
});

describe('rollingTargets', () => {
  const published = [
    '3.4.13-debian-11-r5',
    '3.4.14-debian-11-r0',
    '3.4.14-debian-12-r2',
    '3.5.0-debian-12-r0',
    '3.5.0-debian-12-r1',
    '3.6.0-rc1-debian-12-r0',
    'latest',
    '3',
    `sha256-${'0'.repeat(64)}.sig`,
  ];

  function targetsOf(policy: TagPolicyInput): Record<string, string> {
    return Object.fromEntries(rollingTargets(published, policy).map((target) => [target.tag, target.target]));
  }

  it('points every rolling tag at the newest build of its scope', () => {
    expect(targetsOf({ ...POLICY, levels: ['latest', 'major', 'major-distro', 'minor', 'version'] })).toEqual({
      latest: '3.5.0-debian-12-r1',
      '3': '3.5.0-debian-12-r1',
      '3-debian-12': '3.5.0-debian-12-r1',
      '3-debian-11': '3.4.14-debian-11-r0',
      '3.5': '3.5.0-debian-12-r1',
      '3.4': '3.4.14-debian-12-r2',
      '3.6.0-rc1': '3.6.0-rc1-debian-12-r0',
      '3.5.0': '3.5.0-debian-12-r1',
      '3.4.14': '3.4.14-debian-12-r2',
    });
  });

  it('lists the candidates newest first', () => {
    const major = rollingTargets(published, POLICY).find((target) => target.tag === '3');
    expect(major?.candidates).toEqual(['3.5.0-debian-12-r1', '3.5.0-debian-12-r0', '3.4.14-debian-12-r2']);
    expect(major?.scope).toEqual(scopeOf('3', POLICY));
  });

  it('sorts by level, then by target newest first', () => {
    const tags = rollingTargets(published, { ...POLICY, levels: ['version-distro', 'major-distro'] }).map(
      (target) => target.tag,
    );
    expect(tags).toEqual([
      '3-debian-12',
      '3-debian-11',
      '3.6.0-rc1-debian-12',
      '3.5.0-debian-12',
      '3.4.14-debian-12',
      '3.4.14-debian-11',
      '3.4.13-debian-11',
    ]);
  });

  it('follows the latest branch', () => {
    expect(targetsOf({ ...POLICY, latestBranch: '3.4' }).latest).toBe('3.4.14-debian-12-r2');
  });

  it.each(['never', 'always'] as const)('leaves latest out when latest is %s', (latest) => {
    expect(targetsOf({ ...POLICY, latest }).latest).toBeUndefined();
  });

  it('gives prereleases major tags with prereleaseTags', () => {
    expect(targetsOf({ ...POLICY, prereleaseTags: true })['3']).toBe('3.6.0-rc1-debian-12-r0');
  });

  it('returns nothing for a repository without immutable tags', () => {
    expect(rollingTargets(['latest', 'nightly'], POLICY)).toEqual([]);
  });
});
