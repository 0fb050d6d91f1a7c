import { describe, expect, it } from 'vitest';
import {
  checkDistro,
  compareImmutableTags,
  formatTag,
  isInvalidTagError,
  isValidDistro,
  parseImmutableTag,
  parseTag,
  parseVersionText,
  rollingTagFor,
  type ImmutableTag,
  type RollingLevel,
} from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

describe('distro grammar', () => {
  it.each(['debian-12', 'debian-10', 'ol-7', 'photon-5', 'ubuntu-22.04', 'alpine-3.19', 'rhel-9', 'ubi-9.4.1'])(
    'accepts %s',
    (distro) => {
      expect(isValidDistro(distro)).toBe(true);
      expect(checkDistro(distro)).toBe(distro);
    },
  );

  it.each(['debian', 'bookworm', 'Debian-12', 'debian-', '-12', 'amazon-linux-2', 'debian-12.', 'debian-1a', 'debian_12', ''])(
    'rejects %j',
    (distro) => {
      expect(isValidDistro(distro)).toBe(false);
      const error = thrownBy(() => checkDistro(distro));
      expect(isInvalidTagError(error)).toBe(true);
      expect(error.message).toContain(`invalid distro "${distro}"`);
    },
  );
});

describe('parseTag immutable tags', () => {
  const cases: Array<[string, string, string, number]> = [
    ['3.4.13-debian-10-r8', '3.4.13', 'debian-10', 8],
    ['17.0.12-10-debian-12-r7', '17.0.12-10', 'debian-12', 7],
    ['1.1.1w-debian-12-r0', '1.1.1w', 'debian-12', 0],
    ['3.11.0-rc1-debian-12-r3', '3.11.0-rc1', 'debian-12', 3],
    ['5.7.30-ol-7-r100', '5.7.30', 'ol-7', 100],
    ['1.25.3-photon-5-r2', '1.25.3', 'photon-5', 2],
    ['7.2.4-ubuntu-22.04-r1', '7.2.4', 'ubuntu-22.04', 1],
    ['7.2.4-alpine-3.19-r0', '7.2.4', 'alpine-3.19', 0],
    ['2023.01.05-rhel-9-r4', '2023.01.05', 'rhel-9', 4],
    ['v1.30.2-debian-12-r1', 'v1.30.2', 'debian-12', 1],
    ['4.0-debian-12-r0', '4.0', 'debian-12', 0],
    ['17.0.9_9-debian-12-r0', '17.0.9_9', 'debian-12', 0],
    ['1.0.0-alpha.beta-debian-12-r9007199254740991', '1.0.0-alpha.beta', 'debian-12', 9007199254740991],
  ];

  it.each(cases)('reads %s', (tag, version, distro, revision) => {
    const parsed = parseTag(tag);
    expect(parsed.kind).toBe('immutable');
    const immutable = parsed as ImmutableTag;
    expect(immutable.tag).toBe(tag);
    expect(immutable.version.text).toBe(version);
    expect(immutable.distro).toBe(distro);
    expect(immutable.revision).toBe(revision);
  });

  it('reads a scheme tag as a stable build, not a SemVer prerelease', () => {
    const parsed = parseImmutableTag('3.4.13-debian-10-r8');
    expect(parsed?.version.stable).toBe(true);
    expect(parsed?.version.prerelease).toEqual([]);
  });

  it('orders revisions as numbers', () => {
    const tags = ['3.4.13-debian-10-r100', '3.4.13-debian-10-r9', '3.4.13-debian-10-r10', '3.4.13-debian-10-r0'];
    const sorted = tags.map((tag) => parseTag(tag) as ImmutableTag).sort(compareImmutableTags);
    expect(sorted.map((tag) => tag.revision)).toEqual([0, 9, 10, 100]);
  });

  it('orders by version before revision', () => {
    const older = parseTag('3.4.13-debian-10-r100') as ImmutableTag;
    const newer = parseTag('3.4.14-debian-10-r0') as ImmutableTag;
    expect(compareImmutableTags(older, newer)).toBeLessThan(0);
  });
});

describe('parseTag rolling tags', () => {
  const cases: Array<[string, RollingLevel, string | undefined, string | undefined]> = [
    ['latest', 'latest', undefined, undefined],
    ['3', 'major', '3', undefined],
    ['v3', 'major', 'v3', undefined],
    ['3-debian-10', 'major-distro', '3', 'debian-10'],
    ['3.4', 'minor', '3.4', undefined],
    ['3.4-debian-10', 'minor-distro', '3.4', 'debian-10'],
    ['3.4.13', 'version', '3.4.13', undefined],
    ['3.4.13-debian-10', 'version-distro', '3.4.13', 'debian-10'],
    ['17.0.12-10', 'version', '17.0.12-10', undefined],
    ['17.0.12-10-debian-12', 'version-distro', '17.0.12-10', 'debian-12'],
    ['1.0.2u', 'version', '1.0.2u', undefined],
    ['3.11.0-rc1', 'version', '3.11.0-rc1', undefined],
    ['4.0', 'minor', '4.0', undefined],
    ['2023.01-ubuntu-22.04', 'minor-distro', '2023.01', 'ubuntu-22.04'],
  ];

  it.each(cases)('reads %s as %s', (tag, level, version, distro) => {
    const parsed = parseTag(tag);
    expect(parsed).toMatchObject({ kind: 'rolling', tag, level });
    if (parsed.kind !== 'rolling') {
      return;
    }
    expect(parsed.version?.text).toBe(version);
    expect(parsed.distro).toBe(distro);
  });
});

describe('parseTag foreign tags', () => {
  const hex = 'ab'.repeat(32);
  const cases: Array<[string, string]> = [
    ['nightly', 'it is not "latest", a version, or <version>-<distro>-r<N>'],
    ['edge', 'it is not "latest"'],
    ['main-debian-12', '"main" is not a version'],
    [`sha256-${hex}.sig`, `cosign signature for sha256:${hex}`],
    [`sha256-${hex}.att`, `cosign attestation for sha256:${hex}`],
    [`sha256-${hex}.sbom`, `cosign SBOM for sha256:${hex}`],
    [`sha256-${hex}`, `OCI referrers fallback tag for sha256:${hex}`],
    ['3.4.13-r8', 'ends in -r<N> like an immutable tag, but has no <distro>'],
    ['3.4.13-debian-10-r8-amd64', 'contains "-debian-10-r8", which reads as a distro and a revision'],
    ['3.4.13-debian-10-r08', 'revision "r08" has a leading zero'],
    ['3.4.13-debian-10-r9007199254740992', 'larger than 9007199254740991'],
    ['v-debian-10-r1', 'it looks like <version>-<distro>-r<N>, but "v" is not a version'],
    ['1.0.0-beta-2-debian-12', '"1.0.0-beta-2" is not a version'],
    ['Latest', 'it is not "latest"'],
    ['_build', 'it is not "latest"'],
  ];

  it.each(cases)('reports %s as foreign', (tag, reason) => {
    const parsed = parseTag(tag);
    expect(parsed.kind).toBe('foreign');
    expect(parsed.kind === 'foreign' ? parsed.reason : '').toContain(reason);
  });

  it('returns undefined from parseImmutableTag for rolling and foreign tags', () => {
    expect(parseImmutableTag('3-debian-10')).toBeUndefined();
    expect(parseImmutableTag('nightly')).toBeUndefined();
  });
});

describe('parseTag invalid tags', () => {
  it.each(['', '-3', '.3', '3.4 ', 'a/b', 'tag:1', 'x'.repeat(129), 'é'])('rejects %j', (tag) => {
    const error = thrownBy(() => parseTag(tag));
    expect(isInvalidTagError(error)).toBe(true);
    expect(error.message).toContain(`invalid tag "${tag}"`);
  });
});

describe('formatTag', () => {
  it.each([
    [{ kind: 'immutable', version: '3.4.13', distro: 'debian-10', revision: 8 }, '3.4.13-debian-10-r8'],
    [{ kind: 'immutable', version: '17.0.12-10', distro: 'debian-12', revision: 7 }, '17.0.12-10-debian-12-r7'],
    [{ kind: 'rolling', level: 'latest' }, 'latest'],
    [{ kind: 'rolling', level: 'major', version: '3.4.13' }, '3'],
    [{ kind: 'rolling', level: 'major-distro', version: '3.4.13', distro: 'debian-10' }, '3-debian-10'],
    [{ kind: 'rolling', level: 'minor', version: 'v3.4.13' }, 'v3.4'],
    [{ kind: 'rolling', level: 'minor-distro', version: '2023.01.05', distro: 'rhel-9' }, '2023.01-rhel-9'],
    [{ kind: 'rolling', level: 'version', version: '3.11.0-rc1' }, '3.11.0-rc1'],
    [{ kind: 'rolling', level: 'version-distro', version: '1.0.2u', distro: 'ol-7' }, '1.0.2u-ol-7'],
    [{ kind: 'rolling', level: 'version', version: '4.0' }, '4.0'],
  ] as const)('writes %j as %s', (parts, tag) => {
    expect(formatTag(parts)).toBe(tag);
  });

  const invalid: Array<[Parameters<typeof formatTag>[0], string]> = [
    [{ kind: 'immutable', version: '3.4.13', distro: 'debian-10', revision: -1 }, 'invalid revision -1'],
    [{ kind: 'immutable', version: '3.4.13', distro: 'debian-10', revision: 1.5 }, 'invalid revision 1.5'],
    [{ kind: 'immutable', version: '3.4.13', distro: 'Debian 10', revision: 0 }, 'invalid distro "Debian 10"'],
    [
      { kind: 'immutable', version: `1.${'2'.repeat(120)}`, distro: 'debian-10', revision: 0 },
      'more than the 128 that OCI allows',
    ],
    [{ kind: 'rolling', level: 'latest', version: '3.4.13' }, 'the latest level takes no version or distro'],
    [{ kind: 'rolling', level: 'major' }, 'a version is required'],
    [{ kind: 'rolling', level: 'major-distro', version: '3.4.13' }, 'a distro is required'],
    [{ kind: 'rolling', level: 'major', version: '3.4.13', distro: 'debian-10' }, 'use major-distro'],
    [{ kind: 'rolling', level: 'minor', version: '17' }, 'version 17 has no minor part'],
  ];

  it.each(invalid)('rejects %j', (parts, reason) => {
    const error = thrownBy(() => formatTag(parts));
    expect(isInvalidTagError(error)).toBe(true);
    expect(error.message).toContain(reason);
  });

  it('rejects a version string that is not a version', () => {
    const error = thrownBy(() => formatTag({ kind: 'immutable', version: 'nightly', distro: 'debian-12', revision: 0 }));
    expect(error.code).toBe('INVALID_VERSION');
  });

  it('writes tags that read back as the same parts', () => {
    const tag = formatTag({ kind: 'immutable', version: '17.0.12-10', distro: 'debian-12', revision: 7 });
    expect(parseTag(tag)).toEqual({
      kind: 'immutable',
      tag,
      version: parseVersionText('17.0.12-10'),
      distro: 'debian-12',
      revision: 7,
    });
  });
});

describe('rollingTagFor', () => {
  const version = parseVersionText('3.4.13');

  it.each([
    ['latest', 'latest'],
    ['major', '3'],
    ['major-distro', '3-debian-10'],
    ['minor', '3.4'],
    ['minor-distro', '3.4-debian-10'],
    ['version', '3.4.13'],
    ['version-distro', '3.4.13-debian-10'],
  ] as const)('gives 3.4.13 on debian-10 the %s tag %s', (level, tag) => {
    expect(rollingTagFor(level, version, 'debian-10')).toBe(tag);
  });

  it('gives a one-part version no minor tag', () => {
    expect(rollingTagFor('minor', parseVersionText('17'), 'debian-12')).toBeUndefined();
    expect(rollingTagFor('minor-distro', parseVersionText('17'), 'debian-12')).toBeUndefined();
  });
});
