/**
 * The tag set of a release: its immutable tag and, for every rolling tag of
 * the policy, whether that tag moves to the release and why not when it does
 * not.
 *
 * Move rules, checked in this order:
 * 1. `latest` does not move when `policy.latest` is `never`.
 * 2. A tag without a distro (`latest`, `3`, `3.4`, `3.4.13`) is for the
 *    default distro only, so a release on another distro moves only the
 *    `-distro` tags.
 * 3. A prerelease moves its version tags only (`3.11.0-rc1`,
 *    `3.11.0-rc1-debian-12`), unless `prereleaseTags` also gives it major and
 *    minor tags. `latest` never points at a prerelease.
 * 4. With a `latestBranch`, `latest` moves only for releases in that branch.
 * 5. A tag moves only forward: it does not move when its scope (`scopeOf`)
 *    already contains a newer published build. `latest` with `policy.latest`
 *    `always` skips this check.
 *
 * @module
 */
import { checkDistro } from './distro.js';
import { checkEligibility, type SkipCode } from './eligibility.js';
import { ROLLING_LEVELS, type RollingLevel } from './levels.js';
import { nextRevision } from './revision.js';
import { compareImmutableTags, immutableTagsOf, newestMember, scopeUnderPolicy, type TagScope } from './scope.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from './policy.js';
import { parseTag, type ImmutableTag, type SchemeTag } from './tag.js';
import { formatTag, rollingTagFor } from './tag-format.js';
import { parseVersion, type Version } from './version.js';

/** A release to tag: an upstream version built on a distro. */
export interface Release {
  /** Upstream version; a string is parsed with the policy's `buildMetadata` and `versionPrefix`. */
  readonly version: Version | string;
  readonly distro: string;
  /** Revision to use; by default one more than the newest published for this version and distro, or 0. */
  readonly revision?: number;
}

/** The decision for one rolling tag of a release. */
export type RollingDecision =
  | { readonly tag: string; readonly level: RollingLevel; readonly moves: true }
  | {
      readonly tag: string;
      readonly level: RollingLevel;
      readonly moves: false;
      readonly code: SkipCode;
      readonly reason: string;
      /** The published immutable tag that is newer, for `newer-published`. */
      readonly newer?: string;
    };

/** The tags of a release. */
export interface TagSet {
  readonly version: Version;
  readonly distro: string;
  readonly revision: number;
  /** The immutable tag `<version>-<distro>-r<revision>`. */
  readonly immutable: string;
  /** True when the immutable tag is already published, as when a publish runs again. */
  readonly immutableExists: boolean;
  /**
   * One decision for every rolling tag of the policy, from the widest level to
   * the narrowest. When two levels give the same tag (`version` and `minor` of
   * `4.0`), the tag appears once, at the level that `scopeOf` gives it. The
   * minor levels of a one-part version give no tag and so no decision.
   */
  readonly rolling: readonly RollingDecision[];
  /** The rolling tags that move to this release, in the order of `rolling`. */
  readonly moves: readonly string[];
}

/**
 * Computes the tag set of `release` from `policy` and the tags already
 * published in the repository, by the move rules of the module documentation.
 * `published` may contain every kind of tag, but only immutable tags count.
 *
 * @throws InvalidVersionError when the version is invalid.
 * @throws InvalidTagError when the distro or revision is invalid, a tag would
 *   break the OCI grammar or read back as another tag, or a published string
 *   is not a valid tag.
 * @throws TagPolicyError when the policy is invalid or lacks a default distro.
 */
export function computeTagSet(
  release: Release,
  published: Iterable<string | SchemeTag>,
  policyInput: TagPolicyInput = {},
): TagSet {
  const policy = parseTagPolicy(policyInput);
  const version =
    typeof release.version === 'string'
      ? parseVersion(release.version, { buildMetadata: policy.buildMetadata, versionPrefix: policy.versionPrefix })
      : release.version;
  const distro = checkDistro(release.distro);
  const publishedTags = immutableTagsOf(published);
  const revision = release.revision ?? nextRevision(publishedTags, version, distro);

  const immutable = formatTag({ kind: 'immutable', version, distro, revision });
  const build = parseTag(immutable) as ImmutableTag;
  const rolling: RollingDecision[] = [];
  const seen = new Set<string>();

  for (const level of ROLLING_LEVELS) {
    if (!policy.levels.includes(level)) {
      continue;
    }
    const tag = rollingTagFor(level, version, distro);
    if (tag === undefined || seen.has(tag)) {
      continue;
    }
    seen.add(tag);
    rolling.push(decide(build, scopeUnderPolicy(tag, policy), publishedTags, policy));
  }

  return {
    version,
    distro,
    revision,
    immutable,
    immutableExists: publishedTags.some((tag) => tag.tag === immutable),
    rolling,
    moves: rolling.filter((decision) => decision.moves).map((decision) => decision.tag),
  };
}

function decide(
  build: ImmutableTag,
  scope: TagScope,
  publishedTags: readonly ImmutableTag[],
  policy: TagPolicy,
): RollingDecision {
  const { tag, level } = scope;
  const skip = checkEligibility(build, scope, policy);
  if (skip) {
    return { tag, level, moves: false, ...skip };
  }
  if (level === 'latest' && policy.latest === 'always') {
    return { tag, level, moves: true };
  }

  const newest = newestMember(scope, publishedTags);
  if (newest !== undefined && compareImmutableTags(newest, build) > 0) {
    return {
      tag,
      level,
      moves: false,
      code: 'newer-published',
      reason: `${newest.tag} is newer`,
      newer: newest.tag,
    };
  }
  return { tag, level, moves: true };
}
