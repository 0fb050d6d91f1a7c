/**
 * The immutable tags a rolling tag may point to, newest first, from the
 * scheme's scopes. Resolve reads their digests in this order and stops at the
 * first that matches the rolling tag's.
 */
import { ROLLING_LEVELS } from '../scheme/levels.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from '../scheme/policy.js';
import { compareImmutableTags, immutableTagsOf, isInScope, scopeUnderPolicy } from '../scheme/scope.js';
import type { ImmutableTag, RollingTag } from '../scheme/tag.js';

/**
 * The policy resolve uses when it is given none: every rolling level, so that
 * `3.5` reads as a minor tag whose scope contains the version `3.5` as well as
 * `3.5.x`. A wider scope costs at most a few more HEAD requests, while a
 * narrower one would miss the immutable tag.
 */
export const RESOLVE_POLICY: TagPolicyInput = { levels: [...ROLLING_LEVELS] };

/** Returns the policy for resolving: `input` validated, or {@link RESOLVE_POLICY}. */
export function resolvePolicy(input: TagPolicyInput | undefined): TagPolicy {
  return parseTagPolicy(input ?? RESOLVE_POLICY);
}

/**
 * Returns the immutable tags among `published` in the scope of `rollingTag`,
 * newest first. A tag without a distro stands for the policy's default
 * distro; when the policy names none, the scopes of every distro published in
 * the repository are merged, so the result never misses the tag's twin.
 */
export function candidatesFor(rollingTag: RollingTag, published: readonly string[], policy: TagPolicy): string[] {
  const builds = immutableTagsOf(published);
  const needsDefaultDistro = rollingTag.distro === undefined;
  const distros =
    !needsDefaultDistro || policy.defaultDistro !== undefined
      ? [undefined]
      : [...new Set(builds.map((build) => build.distro))];

  const members = new Map<string, ImmutableTag>();
  for (const distro of distros) {
    const scope = scopeUnderPolicy(rollingTag, distro === undefined ? policy : { ...policy, defaultDistro: distro });
    for (const build of builds) {
      if (isInScope(scope, build)) {
        members.set(build.tag, build);
      }
    }
  }
  return [...members.values()].sort((a, b) => compareImmutableTags(b, a)).map((build) => build.tag);
}
