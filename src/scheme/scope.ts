/**
 * Scopes of rolling tags: which immutable tags a rolling tag stands for, and
 * the order that picks the newest of them. Audit, resolve and the tag-set
 * computation all decide through these functions.
 *
 * @module
 */
import { compareText } from './digits.js';
import { InvalidTagError } from './errors.js';
import { baseLevel, isDistroLevel, type RollingLevel } from './levels.js';
import { parseTagPolicy, requireDefaultDistro, type TagPolicy, type TagPolicyInput } from './policy.js';
import { parseTag, type ImmutableTag, type RollingTag, type SchemeTag } from './tag.js';
import { parseVersionText } from './version.js';
import { compareVersions } from './version-order.js';

/**
 * The immutable tags a rolling tag stands for. A member must be on `distro`,
 * be stable when `stableOnly` is set, have the text `version` when it is set,
 * and start with the `release` numbers after the `prefix` when those are set.
 */
export interface TagScope {
  /** The rolling tag. */
  readonly tag: string;
  /** Level of the tag under the policy; see {@link effectiveLevel}. */
  readonly level: RollingLevel;
  /** Distro of every member: the tag's own, or the policy's default distro. */
  readonly distro: string;
  /** Leading `v` that members must share; absent when any prefix matches. */
  readonly prefix?: '' | 'v';
  /** Release numbers that members start with, as written: `['3', '4']` for `3.4`, which `03.4.1` does not match. */
  readonly release?: readonly string[];
  /** Exact version text of the members, for the version levels. */
  readonly version?: string;
  /** True when prereleases are left out. */
  readonly stableOnly: boolean;
}

/**
 * Returns the scope of a rolling tag under `policy`.
 *
 * - `latest`: stable builds on the default distro, within `latestBranch` when set.
 * - `major`, `minor` and their `-distro` forms: builds whose release starts
 *   with the tag's numbers as written, stable only unless `prereleaseTags` is set.
 * - `version`, `version-distro`: every revision of exactly that version.
 *
 * A bare one- or two-part tag (`3`, `4.0`) reads as a major or minor tag, and
 * is also the version tag of the version `3` or `4.0`. When the policy lacks
 * that major or minor level but has the matching version level, the tag is a
 * version tag here, so its scope is that one version.
 *
 * @throws InvalidTagError when `rollingTag` is not a rolling tag.
 * @throws TagPolicyError when the policy is invalid, or names no default
 *   distro and the tag has none.
 */
export function scopeOf(rollingTag: string | RollingTag, policyInput: TagPolicyInput = {}): TagScope {
  return scopeUnderPolicy(rollingTag, parseTagPolicy(policyInput));
}

/** Returns the scope of a rolling tag as {@link scopeOf} does, under an already validated policy. */
export function scopeUnderPolicy(rollingTag: string | RollingTag, policy: TagPolicy): TagScope {
  const parsed = typeof rollingTag === 'string' ? parseTag(rollingTag) : rollingTag;
  if (parsed.kind !== 'rolling') {
    const reason = parsed.kind === 'foreign' ? parsed.reason : 'it is an immutable tag';
    throw new InvalidTagError(parsed.tag, `"${parsed.tag}" is not a rolling tag: ${reason}`);
  }

  const level = effectiveLevel(parsed.level, policy);
  const distro = parsed.distro ?? requireDefaultDistro(policy);
  const base = { tag: parsed.tag, level, distro };
  if (level === 'latest') {
    if (policy.latestBranch === undefined) {
      return { ...base, stableOnly: true };
    }
    const branch = parseVersionText(policy.latestBranch);
    return { ...base, prefix: branch.prefix, release: branch.release, stableOnly: true };
  }

  const version = parsed.version;
  if (version === undefined) {
    throw new InvalidTagError(parsed.tag, `"${parsed.tag}" is a ${parsed.level} tag without a version`);
  }
  if (baseLevel(level) === 'version') {
    return { ...base, version: version.text, stableOnly: false };
  }
  return { ...base, prefix: version.prefix, release: version.release, stableOnly: !policy.prereleaseTags };
}

/**
 * Returns the level a rolling tag has under `policy`: the level it reads as,
 * except that a major or minor tag is a version tag when the policy has the
 * version level and not the major or minor one.
 */
export function effectiveLevel(level: RollingLevel, policy: TagPolicy): RollingLevel {
  const base = baseLevel(level);
  if ((base !== 'major' && base !== 'minor') || policy.levels.includes(level)) {
    return level;
  }
  const versionLevel: RollingLevel = isDistroLevel(level) ? 'version-distro' : 'version';
  return policy.levels.includes(versionLevel) ? versionLevel : level;
}

/** Returns true when the immutable tag is a member of `scope`. */
export function isInScope(scope: TagScope, tag: ImmutableTag): boolean {
  if (tag.distro !== scope.distro) {
    return false;
  }
  if (scope.stableOnly && !tag.version.stable) {
    return false;
  }
  if (scope.version !== undefined && tag.version.text !== scope.version) {
    return false;
  }
  if (scope.prefix !== undefined && tag.version.prefix !== scope.prefix) {
    return false;
  }
  const release = scope.release;
  if (release !== undefined) {
    const own = tag.version.release;
    return own.length >= release.length && release.every((part, index) => own[index] === part);
  }
  return true;
}

/**
 * Returns the members of `scope` among `published`, newest first. Strings are
 * parsed with `parseTag`; rolling and foreign tags are skipped.
 *
 * @throws InvalidTagError when a string breaks the OCI tag grammar.
 */
export function scopeMembers(scope: TagScope, published: Iterable<string | SchemeTag>): ImmutableTag[] {
  return immutableTagsOf(published)
    .filter((tag) => isInScope(scope, tag))
    .sort((a, b) => compareImmutableTags(b, a));
}

/**
 * Returns the newest member of `scope` among `published`, or undefined when
 * the scope has none. It scans once, without sorting the members as
 * {@link scopeMembers} does.
 *
 * @throws InvalidTagError when a string breaks the OCI tag grammar.
 */
export function newestMember(scope: TagScope, published: Iterable<string | SchemeTag>): ImmutableTag | undefined {
  let newest: ImmutableTag | undefined;
  // Duplicates cannot change the newest, so the tags are not deduplicated first.
  for (const entry of published) {
    const tag = typeof entry === 'string' ? parseTag(entry) : entry;
    if (tag.kind === 'immutable' && isInScope(scope, tag) && (newest === undefined || compareImmutableTags(tag, newest) > 0)) {
      newest = tag;
    }
  }
  return newest;
}

/**
 * Compares two immutable tags: by version (`compareVersions`), then by
 * revision as a number (`r9` < `r10`), then by distro text, so that the
 * order is total.
 */
export function compareImmutableTags(a: ImmutableTag, b: ImmutableTag): number {
  const byVersion = compareVersions(a.version, b.version);
  if (byVersion !== 0) {
    return byVersion;
  }
  if (a.revision !== b.revision) {
    return a.revision < b.revision ? -1 : 1;
  }
  return compareText(a.distro, b.distro);
}

/**
 * Returns the immutable tags among `published`, each once, in input order.
 *
 * @throws InvalidTagError when a string breaks the OCI tag grammar.
 */
export function immutableTagsOf(published: Iterable<string | SchemeTag>): ImmutableTag[] {
  const seen = new Set<string>();
  const tags: ImmutableTag[] = [];
  for (const entry of published) {
    const parsed = typeof entry === 'string' ? parseTag(entry) : entry;
    if (parsed.kind === 'immutable' && !seen.has(parsed.tag)) {
      seen.add(parsed.tag);
      tags.push(parsed);
    }
  }
  return tags;
}
