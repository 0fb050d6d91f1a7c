import { describe, expect, it } from 'vitest';
import {
  computeTagSet,
  isInvalidTagError,
  isTagPolicyError,
  type Release,
  type TagPolicyInput,
  type TagSet,
} from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

/** Maps every rolling tag of a tag set to `move` or the code of its skip. */
function outcomes(tagSet: TagSet): Record<string, string> {
  return Object.fromEntries(tagSet.rolling.map((decision) => [decision.tag, decision.moves ? 'move' : decision.code]));
}

function revisions(version: string, distro: string, count: number): string[] {
  return Array.from({ length: count }, (_, revision) => `${version}-${distro}-r${revision}`);
}

const ALL_LEVELS: TagPolicyInput['levels'] = [
  'latest',
  'major',
  'major-distro',
  'minor',
  'minor-distro',
  'version',
  'version-distro',
];

describe('computeTagSet', () => {
  it('gives etcd 3.4.13 on debian-10, revision 8, the default tag set', () => {
    const tagSet = computeTagSet({ version: '3.4.13', distro: 'debian-10', revision: 8 }, [], {
      defaultDistro: 'debian-10',
    });
    expect(tagSet.immutable).toBe('3.4.13-debian-10-r8');
    expect(tagSet.immutableExists).toBe(false);
    expect(tagSet.revision).toBe(8);
    expect(tagSet.version.text).toBe('3.4.13');
    expect(tagSet.distro).toBe('debian-10');
    expect(tagSet.rolling).toEqual([
      { tag: 'latest', level: 'latest', moves: true },
      { tag: '3', level: 'major', moves: true },
      { tag: '3-debian-10', level: 'major-distro', moves: true },
      { tag: '3.4.13', level: 'version', moves: true },
    ]);
    expect(new Set([tagSet.immutable, ...tagSet.moves])).toEqual(
      new Set(['3.4.13-debian-10-r8', '3.4.13', '3', '3-debian-10', 'latest']),
    );
  });

  describe('next revision', () => {
    const published = [
      ...revisions('3.4.13', 'debian-10', 8),
      ...revisions('3.4.13', 'debian-11', 12),
      '3.4.14-debian-10-r9',
      '3.4.14-debian-10-r10',
      '3.4.13',
      '3',
      'nightly',
    ];
    const cases: Array<[string, string, number]> = [
      ['3.4.13', 'debian-10', 8],
      ['3.4.13', 'debian-11', 12],
      ['3.4.13', 'debian-12', 0],
      ['3.4.14', 'debian-10', 11],
      ['3.4.15', 'debian-10', 0],
      ['v3.4.13', 'debian-10', 0],
    ];

    it.each(cases)('of %s on %s is r%i', (version, distro, revision) => {
      const tagSet = computeTagSet({ version, distro }, published, { defaultDistro: 'debian-10' });
      expect(tagSet.revision).toBe(revision);
      expect(tagSet.immutable).toBe(`${version}-${distro}-r${revision}`);
    });

    it('is never taken from a rolling tag', () => {
      expect(computeTagSet({ version: '3.4.16', distro: 'debian-10' }, ['3.4.16', '3.4.16-debian-10'], {
        defaultDistro: 'debian-10',
      }).revision).toBe(0);
    });
  });

  it('moves only distro tags for a release on another distro', () => {
    const tagSet = computeTagSet({ version: '3.5.0', distro: 'debian-11' }, [], {
      defaultDistro: 'debian-12',
      levels: ALL_LEVELS,
    });
    expect(outcomes(tagSet)).toEqual({
      latest: 'not-default-distro',
      '3': 'not-default-distro',
      '3-debian-11': 'move',
      '3.5': 'not-default-distro',
      '3.5-debian-11': 'move',
      '3.5.0': 'not-default-distro',
      '3.5.0-debian-11': 'move',
    });
    expect(tagSet.rolling[0]).toMatchObject({
      tag: 'latest',
      moves: false,
      reason: 'debian-11 is not the default distro debian-12, and tags without a distro are for the default distro only',
    });
  });

  it('keeps rolling tags on a newer release for a backport', () => {
    const published = ['3.5.1-debian-12-r0', '3.4.13-debian-12-r3', '3.4.13-debian-11-r0'];
    const tagSet = computeTagSet({ version: '3.4.14', distro: 'debian-12' }, published, {
      defaultDistro: 'debian-12',
      levels: ALL_LEVELS,
    });
    expect(outcomes(tagSet)).toEqual({
      latest: 'newer-published',
      '3': 'newer-published',
      '3-debian-12': 'newer-published',
      '3.4': 'move',
      '3.4-debian-12': 'move',
      '3.4.14': 'move',
      '3.4.14-debian-12': 'move',
    });
    expect(tagSet.rolling[1]).toEqual({
      tag: '3',
      level: 'major',
      moves: false,
      code: 'newer-published',
      reason: '3.5.1-debian-12-r0 is newer',
      newer: '3.5.1-debian-12-r0',
    });
  });

  it('compares major tags only within their distro', () => {
    const published = ['3.5.1-debian-11-r0'];
    const tagSet = computeTagSet({ version: '3.4.14', distro: 'debian-12' }, published, {
      defaultDistro: 'debian-12',
    });
    expect(outcomes(tagSet)).toEqual({ latest: 'move', '3': 'move', '3-debian-12': 'move', '3.4.14': 'move' });
  });

  describe('prereleases', () => {
    it('get their version tags only', () => {
      const tagSet = computeTagSet({ version: '3.6.0-rc1', distro: 'debian-12' }, ['3.5.1-debian-12-r0'], {
        defaultDistro: 'debian-12',
        levels: ALL_LEVELS,
      });
      expect(tagSet.immutable).toBe('3.6.0-rc1-debian-12-r0');
      expect(outcomes(tagSet)).toEqual({
        latest: 'prerelease',
        '3': 'prerelease',
        '3-debian-12': 'prerelease',
        '3.6': 'prerelease',
        '3.6-debian-12': 'prerelease',
        '3.6.0-rc1': 'move',
        '3.6.0-rc1-debian-12': 'move',
      });
    });

    it('are left out of the comparisons of stable releases', () => {
      const tagSet = computeTagSet({ version: '3.5.2', distro: 'debian-12' }, ['3.6.0-rc1-debian-12-r4'], {
        defaultDistro: 'debian-12',
      });
      expect(tagSet.moves).toEqual(['latest', '3', '3-debian-12', '3.5.2']);
    });

    it('get major and minor tags with prereleaseTags', () => {
      const tagSet = computeTagSet({ version: '3.7.0b1', distro: 'debian-12' }, ['3.6.5-debian-12-r0'], {
        defaultDistro: 'debian-12',
        levels: ['latest', 'major', 'minor', 'version'],
        prereleaseTags: true,
      });
      expect(outcomes(tagSet)).toEqual({ latest: 'prerelease', '3': 'move', '3.7': 'move', '3.7.0b1': 'move' });
    });

    it('count in major comparisons with prereleaseTags, but never for latest', () => {
      const tagSet = computeTagSet({ version: '3.6.5', distro: 'debian-12' }, ['3.7.0b1-debian-12-r0'], {
        defaultDistro: 'debian-12',
        levels: ['latest', 'major', 'version'],
        prereleaseTags: true,
      });
      expect(outcomes(tagSet)).toEqual({ latest: 'move', '3': 'newer-published', '3.6.5': 'move' });
    });
  });

  describe('latest', () => {
    const published = ['3.5.1-debian-12-r2', '3.6.0-debian-12-r0'];

    it.each([
      ['auto', '3.6.1', 'move'],
      ['auto', '3.5.2', 'newer-published'],
      ['never', '3.6.1', 'latest-never'],
      ['always', '3.5.2', 'move'],
    ] as const)('with latest %s gives %s the outcome %s', (latest, version, outcome) => {
      const tagSet = computeTagSet({ version, distro: 'debian-12' }, published, { defaultDistro: 'debian-12', latest });
      expect(outcomes(tagSet).latest).toBe(outcome);
    });

    it('moves with "always" only on the default distro', () => {
      const tagSet = computeTagSet({ version: '3.7.0', distro: 'debian-11' }, published, {
        defaultDistro: 'debian-12',
        latest: 'always',
      });
      expect(outcomes(tagSet).latest).toBe('not-default-distro');
    });

    it.each([
      ['3.5.2', 'move', 'newer-published'],
      ['3.6.1', 'outside-latest-branch', 'move'],
      ['3.4.9', 'outside-latest-branch', 'newer-published'],
    ] as const)('follows the 3.5 branch: %s gets latest %s and 3 %s', (version, latest, major) => {
      const tagSet = computeTagSet({ version, distro: 'debian-12' }, published, {
        defaultDistro: 'debian-12',
        latestBranch: '3.5',
      });
      expect(outcomes(tagSet).latest).toBe(latest);
      expect(outcomes(tagSet)['3']).toBe(major);
    });

    it('names the branch a release is outside of', () => {
      const tagSet = computeTagSet({ version: '3.6.1', distro: 'debian-12' }, published, {
        defaultDistro: 'debian-12',
        latestBranch: '3.5',
      });
      expect(tagSet.rolling.find((decision) => decision.tag === 'latest')).toMatchObject({
        moves: false,
        reason: '3.6.1 is outside the latest branch 3.5',
      });
    });
  });

  describe('explicit revisions', () => {
    const published = ['3.4.13-debian-10-r5', '3.4.13-debian-10-r8'];

    it('reports an immutable tag that is already published, and moves as before', () => {
      const tagSet = computeTagSet({ version: '3.4.13', distro: 'debian-10', revision: 8 }, published, {
        defaultDistro: 'debian-10',
      });
      expect(tagSet.immutableExists).toBe(true);
      expect(tagSet.moves).toEqual(['latest', '3', '3-debian-10', '3.4.13']);
    });

    it('never moves a version tag back to an older revision', () => {
      const tagSet = computeTagSet({ version: '3.4.13', distro: 'debian-10', revision: 6 }, published, {
        defaultDistro: 'debian-10',
      });
      expect(tagSet.immutable).toBe('3.4.13-debian-10-r6');
      expect(outcomes(tagSet)['3.4.13']).toBe('newer-published');
    });
  });

  describe('tags that two levels share', () => {
    it('decides 4.0 once, as minor tag', () => {
      const tagSet = computeTagSet({ version: '4.0', distro: 'debian-12' }, ['4.0.1-debian-12-r0'], {
        defaultDistro: 'debian-12',
        levels: ['minor', 'version'],
      });
      expect(tagSet.rolling).toEqual([
        {
          tag: '4.0',
          level: 'minor',
          moves: false,
          code: 'newer-published',
          reason: '4.0.1-debian-12-r0 is newer',
          newer: '4.0.1-debian-12-r0',
        },
      ]);
    });

    it('decides 4.0 as version without minor level', () => {
      const tagSet = computeTagSet({ version: '4.0', distro: 'debian-12' }, ['4.0.1-debian-12-r0'], {
        defaultDistro: 'debian-12',
        levels: ['version'],
      });
      expect(tagSet.rolling).toEqual([{ tag: '4.0', level: 'version', moves: true }]);
    });

    it('gives a one-part version no minor tag', () => {
      const tagSet = computeTagSet({ version: '17', distro: 'debian-12' }, [], {
        defaultDistro: 'debian-12',
        levels: ALL_LEVELS,
      });
      expect(tagSet.rolling.map((decision) => [decision.tag, decision.level])).toEqual([
        ['latest', 'latest'],
        ['17', 'major'],
        ['17-debian-12', 'major-distro'],
      ]);
    });
  });

  describe('versions', () => {
    it.each([
      ['hyphen', '17.0.9-9-debian-12-r0'],
      ['underscore', '17.0.9_9-debian-12-r0'],
      ['drop', '17.0.9-debian-12-r0'],
    ] as const)('maps build metadata by the %s rule', (buildMetadata, immutable) => {
      const tagSet = computeTagSet({ version: '17.0.9+9', distro: 'debian-12' }, [], {
        defaultDistro: 'debian-12',
        buildMetadata,
      });
      expect(tagSet.immutable).toBe(immutable);
      expect(tagSet.version.upstream).toBe('17.0.9+9');
    });

    it('rejects build metadata under the reject rule', () => {
      const error = thrownBy(() =>
        computeTagSet({ version: '17.0.9+9', distro: 'debian-12' }, [], {
          defaultDistro: 'debian-12',
          buildMetadata: 'reject',
        }),
      );
      expect(error.code).toBe('INVALID_VERSION');
    });

    it('drops a v prefix with versionPrefix drop', () => {
      const tagSet = computeTagSet({ version: 'v1.30.2', distro: 'debian-12' }, [], {
        defaultDistro: 'debian-12',
        versionPrefix: 'drop',
      });
      expect(tagSet.immutable).toBe('1.30.2-debian-12-r0');
      expect(tagSet.moves).toEqual(['latest', '1', '1-debian-12', '1.30.2']);
    });

    it('keeps v-prefixed and plain major tags apart', () => {
      const tagSet = computeTagSet({ version: 'v1.29.0', distro: 'debian-12' }, ['1.30.2-debian-12-r0'], {
        defaultDistro: 'debian-12',
      });
      expect(outcomes(tagSet)).toEqual({
        latest: 'newer-published',
        v1: 'move',
        'v1-debian-12': 'move',
        'v1.29.0': 'move',
      });
    });

    it('orders a numeric build after the plain version', () => {
      const tagSet = computeTagSet({ version: '17.0.12', distro: 'debian-12' }, ['17.0.12-7-debian-12-r0'], {
        defaultDistro: 'debian-12',
      });
      expect(outcomes(tagSet)['17']).toBe('newer-published');
    });

    it('accepts a parsed version', () => {
      const first = computeTagSet({ version: '1.1.1w', distro: 'debian-12' }, [], { defaultDistro: 'debian-12' });
      const again = computeTagSet({ version: first.version, distro: 'debian-12' }, [first.immutable], {
        defaultDistro: 'debian-12',
      });
      expect(again.immutable).toBe('1.1.1w-debian-12-r1');
    });
  });

  describe('invalid input', () => {
    const cases: Array<[string, Release, TagPolicyInput, string, string]> = [
      ['a bad version', { version: 'nightly', distro: 'debian-12' }, {}, 'INVALID_VERSION', 'invalid version "nightly"'],
      ['a bad distro', { version: '1.0', distro: 'debian' }, {}, 'INVALID_TAG', 'invalid distro "debian"'],
      [
        'a negative revision',
        { version: '1.0', distro: 'debian-12', revision: -1 },
        {},
        'INVALID_TAG',
        'invalid revision -1 for 1.0 on debian-12',
      ],
      [
        'an immutable tag longer than 128 characters',
        { version: `1.${'0'.repeat(114)}`, distro: 'debian-12' },
        {},
        'INVALID_TAG',
        'it is 129 characters long, more than the 128 that OCI allows',
      ],
      [
        'an unknown level',
        { version: '1.0', distro: 'debian-12' },
        { levels: ['latest', 'patch'] as unknown as TagPolicyInput['levels'] },
        'TAG_POLICY',
        'policy.levels[1]: unknown level "patch"',
      ],
      ['no default distro', { version: '1.0', distro: 'debian-12' }, { defaultDistro: undefined }, 'TAG_POLICY', 'policy.defaultDistro: missing'],
    ];

    it.each(cases)('rejects %s', (_name, release, policy, code, message) => {
      const error = thrownBy(() => computeTagSet(release, [], { defaultDistro: 'debian-12', ...policy }));
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    });

    it('names an invalid published tag', () => {
      const error = thrownBy(() =>
        computeTagSet({ version: '1.0', distro: 'debian-12' }, ['1.0-debian-12-r0', 'bad tag'], {
          defaultDistro: 'debian-12',
        }),
      );
      expect(isInvalidTagError(error)).toBe(true);
      expect(error.message).toContain('invalid tag "bad tag"');
    });

    it('needs no default distro when every level has a distro', () => {
      const tagSet = computeTagSet({ version: '1.0.1', distro: 'ol-7' }, [], { levels: ['major-distro', 'version-distro'] });
      expect(tagSet.moves).toEqual(['1-ol-7', '1.0.1-ol-7']);
    });

    it('needs a default distro as soon as one level has none', () => {
      const error = thrownBy(() => computeTagSet({ version: '1.0.1', distro: 'ol-7' }, [], { levels: ['major'] }));
      expect(isTagPolicyError(error)).toBe(true);
    });
  });
});
