/**
 * Revision rules: within one version and distro, revisions count up by one
 * from build to build (`revision-gap`), and each revision is a different
 * build (`duplicate-revision`).
 */
import { formatTag } from '../../scheme/tag-format.js';
import type { ImmutableTag } from '../../scheme/tag.js';
import { finding, type AuditFinding } from '../findings.js';
import { shortDigest } from '../format.js';

/**
 * Reports each run of missing revisions between two published ones: `r3`
 * missing between `r2` and `r4`. Revisions below the lowest published one
 * are not reported, because older builds may have been cleaned up on purpose.
 */
export function checkRevisionGaps(immutableTags: readonly ImmutableTag[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const builds of groupByRelease(immutableTags).values()) {
    const revisions = [...new Set(builds.map((build) => build.revision))].sort((left, right) => left - right);
    const first = builds[0] as ImmutableTag;
    for (let index = 1; index < revisions.length; index += 1) {
      const below = revisions[index - 1] as number;
      const above = revisions[index] as number;
      if (above - below > 1) {
        findings.push(gapFinding(first, below, above));
      }
    }
  }
  return findings;
}

/**
 * Reports immutable tags of one version and distro that share a digest with
 * an earlier revision: a rebuild that changed nothing got a new revision.
 * Each later tag is reported once, naming the earliest tag with that digest.
 */
export function checkDuplicateRevisions(
  immutableTags: readonly ImmutableTag[],
  digests: ReadonlyMap<string, string>,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const builds of groupByRelease(immutableTags).values()) {
    const firstByDigest = new Map<string, ImmutableTag>();
    for (const build of [...builds].sort((left, right) => left.revision - right.revision)) {
      const digest = digests.get(build.tag);
      if (digest === undefined) {
        continue;
      }
      const earlier = firstByDigest.get(digest);
      if (earlier === undefined) {
        firstByDigest.set(digest, build);
        continue;
      }
      findings.push(
        finding(
          'duplicate-revision',
          build.tag,
          `${build.tag} has the same digest as ${earlier.tag} (${shortDigest(digest)}); each revision should be a different build`,
          { expected: `a digest other than that of ${earlier.tag}`, actual: digest },
        ),
      );
    }
  }
  return findings;
}

function gapFinding(build: ImmutableTag, below: number, above: number): AuditFinding {
  const tagOf = (revision: number) =>
    formatTag({ kind: 'immutable', version: build.version, distro: build.distro, revision });
  const firstMissing = tagOf(below + 1);
  const missing = above - below === 2 ? `revision r${below + 1} is` : `revisions r${below + 1} to r${above - 1} are`;
  return finding(
    'revision-gap',
    firstMissing,
    `${missing} missing for ${build.version.text} on ${build.distro}, between ${tagOf(below)} and ${tagOf(above)}`,
    { expected: above - below === 2 ? firstMissing : `${firstMissing} to r${above - 1}` },
  );
}

function groupByRelease(immutableTags: readonly ImmutableTag[]): Map<string, ImmutableTag[]> {
  const groups = new Map<string, ImmutableTag[]>();
  for (const build of immutableTags) {
    // The version text and distro together name one release line; a NUL byte cannot occur in a tag.
    const key = `${build.version.text}\u0000${build.distro}`;
    const group = groups.get(key);
    if (group) {
      group.push(build);
    } else {
      groups.set(key, [build]);
    }
  }
  return groups;
}
