/**
 * Whether a build may carry a rolling tag at all, before any comparison with
 * other builds. The tag-set computation and `rollingTargets` share this, so a
 * publish and an audit agree on which builds a rolling tag may point at.
 *
 * @module
 */
import { baseLevel, isDistroLevel } from './levels.js';
import { requireDefaultDistro, type TagPolicy } from './policy.js';
import type { ImmutableTag } from './tag.js';
import { isInScope, type TagScope } from './scope.js';

/** Code of the reason a rolling tag does not move to a build. */
export type SkipCode =
  | 'latest-never'
  | 'not-default-distro'
  | 'prerelease'
  | 'outside-latest-branch'
  | 'newer-published';

/** A rolling tag that does not move, with the reason in words and as a code. */
export interface Skip {
  readonly code: SkipCode;
  readonly reason: string;
}

/**
 * Returns why `build` may not carry the rolling tag of `scope` (from
 * `scopeOf`) under `policy`, or undefined when it may. The checks run in
 * this order: `latest` turned off, a tag without distro on another distro
 * than the default, a prerelease, and a build outside the latest branch.
 *
 * @throws TagPolicyError when a tag without distro needs the default distro and the policy names none.
 */
export function checkEligibility(build: ImmutableTag, scope: TagScope, policy: TagPolicy): Skip | undefined {
  const level = scope.level;
  if (level === 'latest' && policy.latest === 'never') {
    return { code: 'latest-never', reason: 'policy.latest is "never"' };
  }

  if (!isDistroLevel(level)) {
    const defaultDistro = requireDefaultDistro(policy);
    if (build.distro !== defaultDistro) {
      return {
        code: 'not-default-distro',
        reason: `${build.distro} is not the default distro ${defaultDistro}, and tags without a distro are for the default distro only`,
      };
    }
  }

  if (!build.version.stable) {
    if (level === 'latest') {
      return { code: 'prerelease', reason: `${build.version.text} is a prerelease, and latest never points at one` };
    }
    const base = baseLevel(level);
    if ((base === 'major' || base === 'minor') && !policy.prereleaseTags) {
      return {
        code: 'prerelease',
        reason: `${build.version.text} is a prerelease; set prereleaseTags to give prereleases ${base} tags`,
      };
    }
  }

  if (level === 'latest' && !isInScope(scope, build)) {
    return {
      code: 'outside-latest-branch',
      reason: `${build.version.text} is outside the latest branch ${policy.latestBranch ?? ''}`.trimEnd(),
    };
  }
  return undefined;
}
