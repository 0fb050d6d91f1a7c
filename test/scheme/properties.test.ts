import fc from 'fast-check';
import semver from 'semver';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isTagkeeperError } from '../../src/errors.js';
import {
  BUILD_METADATA_RULES,
  BuildIndex,
  compareImmutableTags,
  compareVersions,
  computeTagSet,
  formatTag,
  newestMember,
  parseTag,
  parseTagList,
  parseTagPolicy,
  parseVersion,
  parseVersionText,
  rollingTagFor,
  rollingTargets,
  ROLLING_LEVELS,
  scopeMembers,
  scopeOf,
  tryParseVersionText,
  type ImmutableTag,
  type RollingLevel,
  type TagPolicyInput,
} from '../../src/scheme/index.js';

const SCHEME_ERROR_CODES = new Set(['INVALID_VERSION', 'INVALID_TAG', 'TAG_POLICY']);

// Release numbers: small, with leading zeros, and beyond 2^53.
const releaseNumber = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 30 }).map(String) },
  { weight: 1, arbitrary: fc.stringMatching(/^0[0-9]{1,2}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[1-9][0-9]{15,22}$/) },
);
const word = fc.constantFrom('', '', '', 'a', 'u', 'z', 'za', 'p1', 'p10', 'x1', 'b1', 'a2', 'rc1', 'rc10', 'alpha', 'beta2', 'dev', 'pre1', 'c3');
const tailPart = fc.oneof(
  fc.nat({ max: 12 }).map(String),
  fc.constantFrom('rc', 'alpha', 'beta', 'dev', 'RC', 'snapshot', 'x', 'M', 'rc1', 'b2'),
);
const tail = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('.', '-'), tailPart), { minLength: 1, maxLength: 3 })
      .map((parts) => `-${parts.map(([separator, part], index) => (index === 0 ? part : separator + part)).join('')}`),
  },
);
const underscoreBuild = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('9', 'build', '5', 'b1'), { minLength: 1, maxLength: 2 }).map((parts) => `_${parts.join('.')}`) },
);

/** Tag-form version strings across the whole grammar. */
const versionText = fc
  .tuple(fc.constantFrom('', '', 'v'), fc.array(releaseNumber, { minLength: 1, maxLength: 4 }), word, tail, underscoreBuild)
  .map(([prefix, release, suffix, hyphenTail, build]) => `${prefix}${release.join('.')}${suffix}${hyphenTail}${build}`)
  .filter((text) => tryParseVersionText(text) !== undefined);

/** Versions from a small pool, so that published tags and releases collide often. */
const pooledVersion = fc
  .tuple(
    fc.constantFrom('', '', '', 'v'),
    fc.array(fc.constantFrom('1', '3', '4', '5', '10'), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('', '', '', '', 'u', 'b1', '-rc1', '-7'),
  )
  .map(([prefix, release, rest]) => `${prefix}${release.join('.')}${rest}`);

const distro = fc
  .tuple(
    fc.constantFrom('debian', 'ol', 'photon', 'ubuntu', 'alpine', 'rhel', 'x'),
    fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 2 }),
  )
  .map(([name, numbers]) => `${name}-${numbers.join('.')}`);

const revision = fc.oneof(fc.nat({ max: 200 }), fc.constant(Number.MAX_SAFE_INTEGER));

/** Asserts that `action` returns or throws one of the scheme's typed errors. */
function expectOnlyTypedErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    expect(isTagkeeperError(error), String(error)).toBe(true);
    expect(SCHEME_ERROR_CODES.has((error as { code: string }).code)).toBe(true);
  }
}

describe('version order', () => {
  it('is a total order consistent with equality of parsed values', () => {
    fc.assert(
      fc.property(fc.array(versionText, { minLength: 1, maxLength: 12 }), (texts) => {
        const sorted = [...texts].sort(compareVersions);
        for (let i = 0; i < sorted.length; i += 1) {
          for (let j = 0; j < sorted.length; j += 1) {
            const a = sorted[i] ?? '';
            const b = sorted[j] ?? '';
            const order = compareVersions(a, b);
            // Antisymmetric: swapping the arguments flips the sign.
            expect(Math.sign(order)).toBe(-Math.sign(compareVersions(b, a)) || 0);
            // Equal exactly when the parsed values are equal.
            expect(order === 0).toBe(isDeepStrictEqual(parseVersionText(a), parseVersionText(b)));
            expect(order === 0).toBe(a === b);
            // Transitive: a sorted list stays in order for every pair.
            if (i < j) {
              expect(order).toBeLessThanOrEqual(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('orders parsed values as it orders their strings', () => {
    fc.assert(
      fc.property(versionText, versionText, (a, b) => {
        expect(compareVersions(parseVersionText(a), parseVersionText(b))).toBe(compareVersions(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with semver on SemVer versions without build numbers or aliases', () => {
    const identifier = fc.oneof(fc.nat({ max: 20 }).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'snapshot', 'x', 'zeta'));
    const semverText = fc
      .tuple(
        fc.array(fc.nat({ max: 12 }), { minLength: 3, maxLength: 3 }),
        fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      )
      // A prerelease of numbers only is a build number in this grammar, so each has a word.
      .filter(([, prerelease]) => prerelease === undefined || prerelease.some((part) => /[a-z]/.test(part)))
      .map(([release, prerelease]) => `${release.join('.')}${prerelease ? `-${prerelease.join('.')}` : ''}`);
    fc.assert(
      fc.property(semverText, semverText, (a, b) => {
        expect(Math.sign(compareVersions(a, b))).toBe(semver.compare(a, b));
      }),
      { numRuns: 500 },
    );
  });
});

describe('tag round trip', () => {
  it('reads every written immutable tag back as the same tag', () => {
    fc.assert(
      fc.property(versionText, distro, revision, (version, distroText, revisionNumber) => {
        let tag: string;
        try {
          tag = formatTag({ kind: 'immutable', version, distro: distroText, revision: revisionNumber });
        } catch (error) {
          // The only reason to refuse valid parts is the 128-character limit.
          expect((error as Error).message).toContain('more than the 128 that OCI allows');
          return;
        }
        const parsed = parseTag(tag);
        expect(parsed).toEqual({
          kind: 'immutable',
          tag,
          version: parseVersionText(version),
          distro: distroText,
          revision: revisionNumber,
        });
        expect(parseTag(formatTag(parsed as ImmutableTag))).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('reads every rolling tag of a version back as the same tag', () => {
    fc.assert(
      fc.property(versionText, distro, fc.constantFrom(...ROLLING_LEVELS), (version, distroText, level) => {
        let tag: string | undefined;
        try {
          tag = rollingTagFor(level, parseVersionText(version), distroText);
        } catch (error) {
          expect((error as Error).message).toContain('more than the 128 that OCI allows');
          return;
        }
        if (tag === undefined) {
          return;
        }
        const parsed = parseTag(tag);
        expect(parsed.kind).toBe('rolling');
        if (parsed.kind === 'rolling') {
          expect(parseTag(formatTag(parsed))).toEqual(parsed);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads any scheme tag found in a tag list back from its parts', () => {
    const tagLike = fc.stringMatching(/^[0-9a-z][0-9a-z._-]{0,24}$/);
    fc.assert(
      fc.property(tagLike, (tag) => {
        const parsed = parseTag(tag);
        if (parsed.kind === 'foreign') {
          return;
        }
        expect(formatTag(parsed)).toBe(tag);
        expect(parseTag(formatTag(parsed))).toEqual(parsed);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('tag sets', () => {
  const distros = ['debian-11', 'debian-12', 'ol-7'];
  const published = fc.array(
    fc
      .tuple(pooledVersion, fc.constantFrom(...distros), fc.nat({ max: 12 }))
      .map(([version, distroText, revisionNumber]) => `${version}-${distroText}-r${revisionNumber}`),
    { maxLength: 25 },
  );
  const policy = fc
    .record({
      levels: fc.subarray([...ROLLING_LEVELS]),
      defaultDistro: fc.constantFrom(...distros),
      latest: fc.constantFrom('auto', 'never'),
      latestBranch: fc.option(fc.constantFrom('3', '3.5', '1', 'v4'), { nil: undefined }),
      prereleaseTags: fc.boolean(),
    })
    .map((fields): TagPolicyInput => {
      const usesBranch = fields.levels.includes('latest') && fields.latest === 'auto';
      return { ...fields, latestBranch: usesBranch ? fields.latestBranch : undefined };
    });
  const release = fc.record({
    version: pooledVersion,
    distro: fc.constantFrom(...distros),
    revision: fc.option(fc.nat({ max: 14 }), { nil: undefined }),
  });

  it('never moves a rolling tag backwards', () => {
    fc.assert(
      fc.property(release, published, policy, (releaseInput, publishedTags, policyInput) => {
        const tagSet = computeTagSet(releaseInput, publishedTags, policyInput);
        const build = parseTag(tagSet.immutable) as ImmutableTag;
        for (const decision of tagSet.rolling) {
          if (!decision.moves) {
            continue;
          }
          for (const member of scopeMembers(scopeOf(decision.tag, policyInput), publishedTags)) {
            expect(compareImmutableTags(member, build), `${decision.tag}: ${member.tag} vs ${build.tag}`).toBeLessThanOrEqual(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('finds the same scope members through the index', () => {
    const rollingTag = fc
      .tuple(fc.constantFrom(...ROLLING_LEVELS), pooledVersion, fc.constantFrom(...distros))
      .map(([level, version, distroText]) => rollingTagFor(level, parseVersionText(version), distroText))
      .filter((tag): tag is string => tag !== undefined);
    fc.assert(
      fc.property(published, policy, fc.array(rollingTag, { minLength: 1, maxLength: 8 }), (publishedTags, policyInput, tags) => {
        const index = new BuildIndex(publishedTags);
        for (const tag of tags) {
          const scope = scopeOf(tag, policyInput);
          const members = scopeMembers(scope, publishedTags);
          expect(index.members(scope).map((member) => member.tag), tag).toEqual(members.map((member) => member.tag));
          expect(newestMember(scope, publishedTags)?.tag, tag).toBe(members[0]?.tag);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('moves exactly the tags that rollingTargets points at the new build', () => {
    fc.assert(
      fc.property(release, published, policy, (releaseInput, publishedTags, policyInput) => {
        const tagSet = computeTagSet(releaseInput, publishedTags, policyInput);
        const targets = new Map(
          rollingTargets([...publishedTags, tagSet.immutable], policyInput).map((target) => [target.tag, target]),
        );
        for (const decision of tagSet.rolling) {
          const target = targets.get(decision.tag);
          expect(target?.target === tagSet.immutable, `${decision.tag} -> ${target?.target}`).toBe(decision.moves);
          if (target) {
            expect(target.level).toBe(decision.level);
          }
        }
        // Every tag that now points at the build is one the build's tag set moves.
        for (const target of targets.values()) {
          if (target.target === tagSet.immutable) {
            expect(tagSet.moves).toContain(target.tag);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parsers on random input', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.stringMatching(/^[0-9a-zA-Z.+_ #-]{0,30}$/),
    versionText.map((text) => `${text}+${text}`),
  );

  it('throw only typed errors from parseVersion and compareVersions', () => {
    fc.assert(
      fc.property(anyString, anyString, fc.constantFrom(...BUILD_METADATA_RULES), (a, b, buildMetadata) => {
        expectOnlyTypedErrors(() => parseVersion(a, { buildMetadata }));
        expectOnlyTypedErrors(() => compareVersions(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('throw only typed errors from parseTag, parseTagList and scopeOf', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        expectOnlyTypedErrors(() => parseTag(text));
        expectOnlyTypedErrors(() => parseTagList(text));
        expectOnlyTypedErrors(() => scopeOf(text, { defaultDistro: 'debian-12' }));
      }),
      { numRuns: 1000 },
    );
  });

  it('throw only typed errors from parseTagPolicy', () => {
    const fields = fc.record(
      {
        levels: fc.oneof(fc.anything(), fc.array(fc.constantFrom<string>(...ROLLING_LEVELS, 'patch'))),
        defaultDistro: fc.oneof(fc.anything(), distro),
        latest: fc.oneof(fc.anything(), fc.constantFrom('auto', 'never', 'always')),
        latestBranch: fc.anything(),
        prereleaseTags: fc.anything(),
        buildMetadata: fc.anything(),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fields), (input) => {
        expectOnlyTypedErrors(() => parseTagPolicy(input));
      }),
      { numRuns: 1000 },
    );
  });

  it('throw only typed errors from formatTag and computeTagSet', () => {
    fc.assert(
      fc.property(
        anyString,
        fc.oneof(anyString, distro),
        fc.oneof(fc.integer(), fc.double(), fc.constant(undefined)),
        fc.array(anyString, { maxLength: 5 }),
        fc.constantFrom<RollingLevel>(...ROLLING_LEVELS),
        (version, distroText, revisionNumber, publishedTags, level) => {
          expectOnlyTypedErrors(() =>
            formatTag({ kind: 'immutable', version, distro: distroText, revision: revisionNumber as number }),
          );
          expectOnlyTypedErrors(() => formatTag({ kind: 'rolling', level, version, distro: distroText }));
          expectOnlyTypedErrors(() =>
            computeTagSet({ version, distro: distroText, revision: revisionNumber }, publishedTags, {
              defaultDistro: 'debian-12',
            }),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
