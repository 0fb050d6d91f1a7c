/**
 * Targets of rolling tags: the immutable tag each rolling tag should point to
 * now, derived from the immutable tags of a repository with the same scope and
 * eligibility rules as the tag-set computation. An audit compares these targets with the registry; resolve
 * tries the candidates newest first.
 *
 * @module
 */
import { compareText } from './digits.js';
import { checkEligibility } from './eligibility.js';
import { levelRank, ROLLING_LEVELS, type RollingLevel } from './levels.js';
import { parseTagPolicy, type TagPolicyInput } from './policy.js';
import { BuildIndex } from './build-index.js';
import { compareImmutableTags, scopeUnderPolicy, type TagScope } from './scope.js';
import type { ImmutableTag, SchemeTag } from './tag.js';
import { rollingTagFor } from './tag-format.js';

/** A rolling tag and the immutable tag it should point to. */
export interface RollingTarget {
  readonly tag: string;
  /** Level of the tag under the policy, as `scopeOf` gives it. */
  readonly level: RollingLevel;
  readonly scope: TagScope;
  /** The newest immutable tag of the scope. */
  readonly target: string;
  /** Every immutable tag of the scope, newest first; the first is `target`. */
  readonly candidates: readonly string[];
}

/**
 * Returns, for every rolling tag that the policy gives the published
 * immutable tags, the immutable tag it should point to now: the newest member
 * of its scope. Rolling and foreign tags among `published` are ignored. The
 * result is sorted by level, widest first, then by target, newest first.
 *
 * `latest` is left out when `policy.latest` is `never`, and also when it is
 * `always`, because `latest` then follows the last publish, which tag names
 * cannot show.
 *
 * @throws InvalidTagError when a published string breaks the OCI tag grammar.
 * @throws TagPolicyError when the policy is invalid, or needs a default distro and names none.
 */
export function rollingTargets(
  published: Iterable<string | SchemeTag>,
  policyInput: TagPolicyInput = {},
): RollingTarget[] {
  const policy = parseTagPolicy(policyInput);
  const index = new BuildIndex(published);
  const levels = ROLLING_LEVELS.filter(
    (level) => policy.levels.includes(level) && !(level === 'latest' && policy.latest === 'always'),
  );

  // A rolling tag exists once at least one build may carry it.
  const scopes = new Map<string, TagScope>();
  // Rolling tags and eligibility depend on version and distro, not on the revision.
  const seenReleases = new Set<string>();
  for (const build of index.builds) {
    const release = `${build.distro} ${build.version.text}`;
    if (seenReleases.has(release)) {
      continue;
    }
    seenReleases.add(release);
    for (const level of levels) {
      const tag = rollingTagFor(level, build.version, build.distro);
      if (tag === undefined || scopes.has(tag)) {
        continue;
      }
      const scope = scopeUnderPolicy(tag, policy);
      if (checkEligibility(build, scope, policy) === undefined) {
        scopes.set(tag, scope);
      }
    }
  }

  const targets: Array<RollingTarget & { newest: ImmutableTag }> = [];
  for (const scope of scopes.values()) {
    // Every build that may carry the tag is a member of its scope, so the list is never empty.
    const members = index.members(scope);
    const newest = members[0];
    if (newest !== undefined) {
      targets.push({
        tag: scope.tag,
        level: scope.level,
        scope,
        target: newest.tag,
        candidates: members.map((member) => member.tag),
        newest,
      });
    }
  }

  targets.sort(
    (a, b) =>
      levelRank(a.level) - levelRank(b.level) || compareImmutableTags(b.newest, a.newest) || compareText(a.tag, b.tag),
  );
  return targets.map(({ newest: _newest, ...target }) => target);
}
