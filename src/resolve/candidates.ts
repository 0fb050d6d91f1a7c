/**
 * The immutable tags a rolling tag may point to, newest first, from the
 * scheme's scopes. Resolve reads their digests in this order and stops at the
 * first that matches the rolling tag's.
 */
import { ROLLING_LEVELS } from '../scheme/levels.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from '../scheme/policy.js';
import { BuildIndex } from '../scheme/build-index.js';
import { compareImmutableTags, scopeUnderPolicy } from '../scheme/scope.js';
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

/** The immutable tags a rolling tag may point to, in the order to read them. */
export interface Candidates {
  /** Immutable tags of the scope: the newest of each distro first, then the others, each group newest first. */
  tags: string[];
  /**
   * How many leading tags to read together in the first round: 1 when the
   * distro is known, else one per distro, because the default distro, and so
   * the likeliest candidate, is unknown.
   */
  firstRound: number;
}

/**
 * Returns the immutable tags among `published` (tag strings, immutable tags
 * already parsed, or a {@link BuildIndex} of them, the fastest when many
 * rolling tags of one repository are resolved) in the scope of `rollingTag`.
 * A tag without a distro is for the policy's default distro. When the policy
 * names none, the scopes of every distro published in the repository are
 * merged, so the result never misses the tag's twin.
 */
export function candidatesFor(
  rollingTag: RollingTag,
  published: ReadonlyArray<string | ImmutableTag> | BuildIndex,
  policy: TagPolicy,
): Candidates {
  const index = published instanceof BuildIndex ? published : new BuildIndex(published);
  const distroKnown = rollingTag.distro !== undefined || policy.defaultDistro !== undefined;
  const distros = distroKnown ? [undefined] : index.distros;

  let members: ImmutableTag[] = [];
  for (const distro of distros) {
    const scope = scopeUnderPolicy(rollingTag, distro === undefined ? policy : { ...policy, defaultDistro: distro });
    members = members.concat(index.members(scope));
  }
  if (distros.length > 1) {
    members.sort((a, b) => compareImmutableTags(b, a));
  }

  const newestOfDistro = new Map<string, ImmutableTag>();
  for (const member of members) {
    if (!newestOfDistro.has(member.distro)) {
      newestOfDistro.set(member.distro, member);
    }
  }
  const leading = [...newestOfDistro.values()];
  const rest = members.filter((member) => newestOfDistro.get(member.distro) !== member);
  return { tags: [...leading, ...rest].map((member) => member.tag), firstRound: Math.max(1, leading.length) };
}
