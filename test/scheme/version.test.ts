import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  comparePrecedence,
  isInvalidVersionError,
  parseVersion,
  parseVersionText,
  type BuildMetadataRule,
  type Version,
} from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

type Shape = Pick<Version, 'text' | 'prefix' | 'release' | 'suffix' | 'prerelease' | 'build' | 'stable'>;

function shape(version: Version): Shape {
  const { text, prefix, release, suffix, prerelease, build, stable } = version;
  return { text, prefix, release, suffix, prerelease, build, stable };
}

function stableVersion(text: string, release: string[], extra: Partial<Shape> = {}): Shape {
  return { text, prefix: '', release, suffix: '', prerelease: [], build: [], stable: true, ...extra };
}

describe('parseVersion', () => {
  const cases: Array<[string, Shape]> = [
    ['3.4.13', stableVersion('3.4.13', ['3', '4', '13'])],
    ['v3.4.13', stableVersion('v3.4.13', ['3', '4', '13'], { prefix: 'v' })],
    ['4.0', stableVersion('4.0', ['4', '0'])],
    ['17', stableVersion('17', ['17'])],
    ['1.2.3.4', stableVersion('1.2.3.4', ['1', '2', '3', '4'])],
    ['1.0.2u', stableVersion('1.0.2u', ['1', '0', '2'], { suffix: 'u' })],
    ['1.0.2za', stableVersion('1.0.2za', ['1', '0', '2'], { suffix: 'za' })],
    ['9.6p1', stableVersion('9.6p1', ['9', '6'], { suffix: 'p1' })],
    ['17.0.12-10', stableVersion('17.0.12-10', ['17', '0', '12'], { build: ['10'] })],
    ['1.0-1.2', stableVersion('1.0-1.2', ['1', '0'], { build: ['1', '2'] })],
    ['2023.01.05', stableVersion('2023.01.05', ['2023', '01', '05'])],
    ['1.2.3_build.5', stableVersion('1.2.3_build.5', ['1', '2', '3'], { build: ['build', '5'] })],
    ['1.0.2u-1', stableVersion('1.0.2u-1', ['1', '0', '2'], { suffix: 'u', build: ['1'] })],
    [
      '3.11.0-rc1',
      stableVersion('3.11.0-rc1', ['3', '11', '0'], { prerelease: ['rc', '1'], stable: false }),
    ],
    [
      '5.1.0-rc.1',
      stableVersion('5.1.0-rc.1', ['5', '1', '0'], { prerelease: ['rc', '1'], stable: false }),
    ],
    ['3.7.0b1', stableVersion('3.7.0b1', ['3', '7', '0'], { prerelease: ['b', '1'], stable: false })],
    ['3.7.0rc2', stableVersion('3.7.0rc2', ['3', '7', '0'], { prerelease: ['rc', '2'], stable: false })],
    ['1.0.0beta', stableVersion('1.0.0beta', ['1', '0', '0'], { prerelease: ['beta'], stable: false })],
    [
      '1.0.0-alpha.beta-2.x',
      stableVersion('1.0.0-alpha.beta-2.x', ['1', '0', '0'], { prerelease: ['alpha', 'beta', '2', 'x'], stable: false }),
    ],
    [
      '1.0.0-RC1',
      stableVersion('1.0.0-RC1', ['1', '0', '0'], { prerelease: ['RC', '1'], stable: false }),
    ],
    [
      '2.0.0b1-3',
      stableVersion('2.0.0b1-3', ['2', '0', '0'], { prerelease: ['b', '1', '3'], stable: false }),
    ],
    ['0b1', stableVersion('0b1', ['0'], { prerelease: ['b', '1'], stable: false })],
    ['0x1', stableVersion('0x1', ['0'], { suffix: 'x1' })],
    [
      '99999999999999999999.0',
      stableVersion('99999999999999999999.0', ['99999999999999999999', '0']),
    ],
  ];

  it.each(cases)('parses %s', (input, expected) => {
    expect(shape(parseVersion(input))).toEqual(expected);
  });

  it('keeps the upstream string next to the tag form', () => {
    const version = parseVersion('17.0.9+9');
    expect(version.upstream).toBe('17.0.9+9');
    expect(version.text).toBe('17.0.9-9');
  });

  const invalid: Array<[string, string]> = [
    ['', 'it is empty'],
    ['latest', 'must start with a digit'],
    ['V1.2', 'must start with a digit'],
    ['1..2', 'each release part between dots must be a number'],
    ['1.2.', 'each release part between dots must be a number'],
    ['1.x', 'each release part between dots must be a number'],
    ['1.2 ', 'contains " "'],
    ['1.2/3', 'contains "/"'],
    ['1.0.2U', 'does not follow the version grammar'],
    ['1.0-', 'does not follow the version grammar'],
    ['1.0_', 'does not follow the version grammar'],
    ['1.0.0-beta-2', 'ends in "-beta-2", which reads as a distro'],
    ['3.4.13-debian-10', 'ends in "-debian-10", which reads as a distro'],
    ['1.2.3-r8', 'ends in "-r8", which reads as a revision'],
    ['3.4.13-debian-10-r8-amd64', 'contains "-debian-10-r8", which reads as a distro and a revision'],
    ['1.0-ol-7-r2.1', 'contains "-ol-7-r2", which reads as a distro and a revision'],
  ];

  it.each(invalid)('rejects %j', (input, reason) => {
    const error = thrownBy(() => parseVersion(input));
    expect(isInvalidVersionError(error)).toBe(true);
    expect(error.code).toBe('INVALID_VERSION');
    expect(error.message).toContain(reason);
    expect(error.message).toContain(`"${input}"`);
    expect(error.message).toContain('expected a version such as');
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseVersion(42 as unknown as string)).toThrow('it is not a string');
    expect(() => parseVersionText(42 as unknown as string)).toThrow('it is not a string');
    expect(() => compareVersions(3 as unknown as string, '3')).toThrow('it is not a string');
  });
});

describe('parseVersion build metadata rules', () => {
  const cases: Array<[string, BuildMetadataRule, string]> = [
    ['17.0.9+9', 'hyphen', '17.0.9-9'],
    ['17.0.9+9.1', 'hyphen', '17.0.9-9.1'],
    ['1.0.0-rc1+5', 'hyphen', '1.0.0-rc1-5'],
    ['17.0.9+9', 'underscore', '17.0.9_9'],
    ['1.2.3+build.5', 'underscore', '1.2.3_build.5'],
    ['17.0.9+9', 'drop', '17.0.9'],
    ['1.2.3+build-5', 'drop', '1.2.3'],
    ['3.4.13', 'reject', '3.4.13'],
  ];

  it.each(cases)('maps %s under %s to %s', (input, rule, text) => {
    expect(parseVersion(input, { buildMetadata: rule }).text).toBe(text);
  });

  it('keeps a numeric build stable under the hyphen rule', () => {
    expect(parseVersion('17.0.9+9').stable).toBe(true);
    expect(parseVersion('17.0.9+9').build).toEqual(['9']);
  });

  const rejected: Array<[string, BuildMetadataRule, string]> = [
    ['1.2.3+build.5', 'hyphen', 'would read as a prerelease'],
    ['1.2.3+abc', 'hyphen', 'set buildMetadata to "underscore" or "drop"'],
    ['1.2.3+build-5', 'underscore', 'contains "-"'],
    ['17.0.9+9', 'reject', 'the build metadata rule is "reject"'],
    ['1.2.3+', 'hyphen', 'is not dot-separated identifiers'],
    ['1.2.3+a..b', 'drop', 'is not dot-separated identifiers'],
    ['1.2+3+4', 'hyphen', 'build metadata "+3+4" is not dot-separated identifiers'],
    ['1.0_x+5', 'hyphen', 'tag form "1.0_x-5"'],
    ['+9', 'drop', 'it is empty'],
  ];

  it.each(rejected)('rejects %s under %s', (input, rule, reason) => {
    expect(() => parseVersion(input, { buildMetadata: rule })).toThrow(reason);
  });
});

describe('parseVersion prefix', () => {
  it.each([
    ['v3.4.13', 'keep', 'v3.4.13'],
    ['v3.4.13', 'drop', '3.4.13'],
    ['3.4.13', 'drop', '3.4.13'],
  ] as const)('writes %s with prefix %s as %s', (input, versionPrefix, text) => {
    expect(parseVersion(input, { versionPrefix }).text).toBe(text);
  });
});

/** Asserts that each version is strictly older than the next. */
function expectAscending(versions: string[]): void {
  for (let index = 0; index + 1 < versions.length; index += 1) {
    const older = versions[index] ?? '';
    const newer = versions[index + 1] ?? '';
    expect(compareVersions(older, newer), `${older} < ${newer}`).toBeLessThan(0);
    expect(compareVersions(newer, older), `${newer} > ${older}`).toBeGreaterThan(0);
  }
  const shuffled = [...versions].reverse();
  expect(shuffled.sort(compareVersions)).toEqual(versions);
}

describe('compareVersions', () => {
  const chains: Array<[string, string[]]> = [
    ['release numbers as numbers', ['1.2.3', '1.2.10', '1.10.0', '2.0.0', '10.0.0']],
    ['two-, three- and four-part versions', ['4.0', '4.0.1', '4.1', '4.1.0.1', '4.1.1']],
    ['letter suffixes after the release', ['1.0.2', '1.0.2a', '1.0.2t', '1.0.2u', '1.0.2z', '1.0.2za', '1.0.2zb', '1.0.3']],
    ['numbered letter suffixes', ['9.6', '9.6p1', '9.6p2', '9.6p10', '9.7']],
    ['numeric builds as numbers', ['17.0.12', '17.0.12-7', '17.0.12-10', '17.0.13-1']],
    ['calendar versions with leading zeros', ['2023.01.05', '2023.01.17', '2023.2.1', '2023.11.02', '2024.01.01']],
    ['prereleases before their release', ['3.10.9', '3.11.0-alpha.1', '3.11.0-beta.2', '3.11.0-rc1', '3.11.0-rc2', '3.11.0-rc10', '3.11.0']],
    ['PEP 440 prereleases', ['3.6.9', '3.7.0a1', '3.7.0b1', '3.7.0b2', '3.7.0rc1', '3.7.0', '3.7.1']],
    ['dev before other prerelease words', ['1.0.0-dev', '1.0.0-alpha', '1.0.0-snapshot', '1.0.0']],
    ['SemVer prerelease precedence', ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']],
    ['numbers beyond 2^53', ['9007199254740992', '9007199254740993', '9007199254740994', '90071992547409930']],
    ['hex and binary look-alikes by the grammar, not by Number()', ['0b1', '0', '0x1', '0x10', '1']],
    ['build metadata tags after the plain version', ['1.2.3', '1.2.3_build.5', '1.2.4']],
  ];

  it.each(chains)('orders %s', (_name, versions) => {
    expectAscending(versions);
  });

  it('compares equal only for equal text', () => {
    expect(compareVersions('3.4.13', '3.4.13')).toBe(0);
    expect(compareVersions('2023.01.05', '2023.1.5')).not.toBe(0);
    expect(compareVersions('v1.2', '1.2')).not.toBe(0);
  });

  const ties: Array<[string, string]> = [
    ['4.0', '4.0.0'],
    ['2023.01.05', '2023.1.5'],
    ['v1.2.3', '1.2.3'],
    ['3.11.0-rc1', '3.11.0-rc.1'],
    ['3.7.0b1', '3.7.0-beta.1'],
    ['1.0.0-RC1', '1.0.0-rc1'],
    ['17.0.9-9', '17.0.9_9'],
  ];

  it.each(ties)('gives %s and %s equal precedence', (a, b) => {
    expect(comparePrecedence(parseVersionText(a), parseVersionText(b))).toBe(0);
    expect(Math.sign(compareVersions(a, b))).toBe(a < b ? -1 : 1);
  });

  it('accepts parsed versions and strings alike', () => {
    expect(compareVersions(parseVersion('17.0.9+9'), '17.0.9-9')).toBe(0);
    expect(compareVersions(parseVersion('1.0.2u'), '1.0.2t')).toBeGreaterThan(0);
  });

  it('rejects a string that is not a version', () => {
    expect(() => compareVersions('nightly', '1.0')).toThrow('invalid version "nightly"');
  });

  it('never reads 3.7.0b1 as 3.7.1', () => {
    expect(compareVersions('3.7.0b1', '3.7.0')).toBeLessThan(0);
    expect(compareVersions('3.7.0b1', '3.7.1')).toBeLessThan(0);
  });
});
