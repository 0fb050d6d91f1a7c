/**
 * Rolling-tag rules. Where each rolling tag should point comes from the
 * scheme's `rollingTargets` and `scopeOf`, the same functions a publish uses:
 *
 * - `stale-rolling`: the tag's digest is not that of the newest immutable tag
 *   of its scope;
 * - `orphan-rolling`: no immutable tag has the tag's digest (such a tag is
 *   not also reported stale);
 * - `missing-rolling`: the policy gives the published builds a rolling tag
 *   that the repository does not have;
 * - `level-not-in-policy`: a major or minor tag (`3`, `3.5`) whose level the
 *   policy lacks, so the scheme reads it as a version tag, and no build has
 *   that version. The tag is most likely fine and the policy incomplete, so
 *   this is a warning that names the level rather than a stale tag to delete.
 */
import { impliedDefaultDistro, publishedDistros } from '../../scheme/default-distro.js';
import { isTagPolicyError } from '../../scheme/errors.js';
import { parseTagPolicy, type TagPolicy } from '../../scheme/policy.js';
import { effectiveLevel, scopeMembers, scopeOf, type TagScope } from '../../scheme/scope.js';
import type { ImmutableTag, RollingTag } from '../../scheme/tag.js';
import { rollingTargets, type RollingTarget } from '../../scheme/targets.js';
import { finding, type AuditFinding } from '../findings.js';
import { shortDigest } from '../format.js';

/** Input of the rolling rules: the tags and digests of one repository, and its policy. */
export interface RollingRuleInput {
  /** Every immutable tag the repository lists, also those whose digest could not be read. */
  immutable: readonly ImmutableTag[];
  /** Rolling tags whose digest was read. */
  rolling: readonly RollingTag[];
  /** Rolling tags the repository lists but whose digest could not be read; they count as present. */
  unreadable: readonly RollingTag[];
  /** Digest of every tag that was read. */
  digests: ReadonlyMap<string, string>;
  /** The policy, with a default distro when one is known. */
  policy: TagPolicy;
}

/** The policy for one repository, and a finding when its default distro is unknown. */
export interface RepositoryPolicy {
  policy: TagPolicy;
  findings: AuditFinding[];
}

/**
 * Returns the policy to audit repository `name` with. Without a default
 * distro in the policy, the single distro of the repository's immutable tags
 * is used. With several distros, tags without a distro cannot be judged:
 * the policy keeps only its `-distro` levels, and a `default-distro` finding
 * names the options that set one.
 */
export function resolveDefaultDistro(name: string, policy: TagPolicy, immutable: readonly ImmutableTag[]): RepositoryPolicy {
  if (policy.defaultDistro !== undefined) {
    return { policy, findings: [] };
  }
  const distros = publishedDistros(immutable);
  const implied = impliedDefaultDistro(policy, distros);
  if (implied !== undefined) {
    return { policy: parseTagPolicy({ ...policy, defaultDistro: implied }), findings: [] };
  }

  const distroLevels = policy.levels.filter((level) => level.endsWith('-distro'));
  const restricted = parseTagPolicy({ ...policy, levels: distroLevels, latest: 'auto', latestBranch: undefined });
  if (distros.length === 0 || distroLevels.length === policy.levels.length) {
    return { policy: restricted, findings: [] };
  }
  return {
    policy: restricted,
    findings: [
      finding(
        'default-distro',
        null,
        `${name} has immutable tags on ${distros.join(', ')}, so tags without a distro (latest, major, minor, version) are not checked; pass --default-distro or set defaultDistro in the policy`,
        { expected: 'a default distro', actual: distros.join(', ') },
      ),
    ],
  };
}

/** Applies the stale, orphan and missing rules to one repository. */
export function checkRollingTags(input: RollingRuleInput): AuditFinding[] {
  const targets = new Map(rollingTargets(input.immutable, input.policy).map((target) => [target.tag, target]));
  const tagsByDigest = immutableTagsByDigest(input.immutable, input.digests);
  // With an immutable digest unknown, a rolling tag may point to that build,
  // so orphans are only reported when every immutable digest was read.
  const allImmutableRead = input.immutable.every((tag) => input.digests.has(tag.tag));
  const findings: AuditFinding[] = [];

  for (const rolling of input.rolling) {
    const digest = input.digests.get(rolling.tag) as string;
    const sameBuild = tagsByDigest.get(digest);
    const newest = newestOfScope(rolling, input, targets);
    const expected = typeof newest === 'string' ? input.digests.get(newest) : undefined;

    if (sameBuild === undefined) {
      if (!allImmutableRead) {
        continue;
      }
      findings.push(
        finding(
          'orphan-rolling',
          rolling.tag,
          `${rolling.tag} points to ${shortDigest(digest)}, which no immutable tag names${typeof newest === 'string' ? `; it should point to ${newest}` : ''}`,
          { expected: expected ?? newest ?? null, actual: digest },
        ),
      );
      continue;
    }
    if (newest === null && effectiveLevel(rolling.level, input.policy) !== rolling.level) {
      findings.push(
        finding(
          'level-not-in-policy',
          rolling.tag,
          `${rolling.tag} looks like a ${rolling.level} tag, but the policy has no ${rolling.level} level; add ${rolling.level} to levels or pass --policy`,
          { expected: `a ${rolling.level} level`, actual: digest },
        ),
      );
    } else if (newest === null) {
      findings.push(
        finding(
          'stale-rolling',
          rolling.tag,
          `${rolling.tag} points to ${sameBuild.join(', ')}, but its scope under the policy (${describeScope(scopeOf(rolling, input.policy))}) has no published build; delete the tag or publish a build of that scope`,
          { expected: null, actual: digest },
        ),
      );
    } else if (newest !== undefined && expected !== undefined && expected !== digest) {
      findings.push(
        finding(
          'stale-rolling',
          rolling.tag,
          `${rolling.tag} points to ${sameBuild.join(', ')} (${shortDigest(digest)}), but the newest build of its scope is ${newest} (${shortDigest(expected)})`,
          { expected, actual: digest },
        ),
      );
    }
  }

  const present = new Set([...input.rolling, ...input.unreadable].map((tag) => tag.tag));
  for (const target of targets.values()) {
    if (!present.has(target.tag)) {
      findings.push(missingFinding(target, input.digests.get(target.target)));
    }
  }
  return findings;
}

/**
 * Returns the immutable tag `rolling` should point to: the target of
 * `rollingTargets` for the policy's own tags, else the newest member of the
 * tag's scope (a minor tag the policy does not list is still judged by its
 * scope). Returns null when the scope has no published build, and undefined
 * when the tag cannot be judged: `latest` under `policy.latest` `never` or
 * `always`, or a tag without a distro when the default distro is unknown.
 */
function newestOfScope(rolling: RollingTag, input: RollingRuleInput, targets: ReadonlyMap<string, RollingTarget>): string | null | undefined {
  const target = targets.get(rolling.tag);
  if (target !== undefined) {
    return target.target;
  }
  if (rolling.level === 'latest' && input.policy.latest !== 'auto') {
    return undefined;
  }
  if (rolling.distro === undefined && input.policy.defaultDistro === undefined) {
    return undefined;
  }
  try {
    const members = scopeMembers(scopeOf(rolling, input.policy), input.immutable);
    return members[0]?.tag ?? null;
  } catch (error) {
    if (isTagPolicyError(error)) {
      return undefined;
    }
    throw error;
  }
}

function describeScope(scope: TagScope): string {
  const stability = scope.stableOnly ? 'stable ' : '';
  if (scope.version !== undefined) {
    return `version ${scope.version} on ${scope.distro}`;
  }
  if (scope.release !== undefined) {
    return `${stability}${scope.prefix ?? ''}${scope.release.join('.')}.x on ${scope.distro}`;
  }
  return `${stability}releases on ${scope.distro}`;
}

function missingFinding(target: RollingTarget, digest: string | undefined): AuditFinding {
  return finding(
    'missing-rolling',
    target.tag,
    `the policy gives ${target.target} the ${target.level} tag ${target.tag}, but the repository has no tag ${target.tag}`,
    { expected: digest ?? target.target, actual: null },
  );
}

function immutableTagsByDigest(immutable: readonly ImmutableTag[], digests: ReadonlyMap<string, string>): Map<string, string[]> {
  const byDigest = new Map<string, string[]>();
  for (const tag of immutable) {
    const digest = digests.get(tag.tag);
    if (digest === undefined) {
      continue;
    }
    const tags = byDigest.get(digest);
    if (tags) {
      tags.push(tag.tag);
    } else {
      byDigest.set(digest, [tag.tag]);
    }
  }
  return byDigest;
}
