/**
 * The tag policy of a publish or resolve, from a policy object, a policy file
 * and a default distro given apart.
 */
import { checkDistro } from '../scheme/distro.js';
import { TagPolicyError } from '../scheme/errors.js';
import { isDistroLevel } from '../scheme/levels.js';
import { loadTagPolicyFile } from '../scheme/policy-file.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from '../scheme/policy.js';
import { impliedDefaultDistro, publishedDistros } from '../scheme/default-distro.js';

/** Sources of the tag policy: fields, a file and a default distro. */
export interface PolicySource {
  /** Policy fields; they override those of `policyFile`. */
  policy?: TagPolicyInput;
  /** A JSON or YAML policy file. */
  policyFile?: string;
  /** The distro that tags without a distro stand for; overrides the policy's. */
  defaultDistro?: string;
}

/**
 * Loads and validates the policy. The default distro is `defaultDistro`, else
 * the policy's own, else none: a publish then settles it with
 * {@link applyDefaultDistro} once it has listed the repository's tags.
 *
 * @throws InvalidTagError when `defaultDistro` breaks the distro grammar.
 * @throws TagPolicyError naming the file or field at fault.
 */
export async function loadPolicy(source: PolicySource): Promise<TagPolicy> {
  if (source.defaultDistro !== undefined) {
    checkDistro(source.defaultDistro);
  }
  const fromFile = source.policyFile === undefined ? {} : await loadTagPolicyFile(source.policyFile);
  const merged: Record<string, unknown> = { ...fromFile, ...withoutUndefined(source.policy ?? {}) };
  if (source.defaultDistro !== undefined) {
    merged.defaultDistro = source.defaultDistro;
  }
  return parseTagPolicy(merged, source.policyFile);
}

/**
 * Returns `policy` with a default distro for a release on `distro`. A policy
 * that names one is returned unchanged. Otherwise the release's distro is the
 * default, but only while `published` has no immutable tag on another distro.
 * A second distro makes the choice ambiguous: taking the release's distro
 * would move `latest` and `3` from one distro to the other, and backwards when
 * the release is older.
 *
 * @param published - The tags already in the repository; rolling and foreign tags are ignored.
 * @param subject - Source of `published` for the message, such as the repository `ghcr.io/acme/etcd`.
 * @throws TagPolicyError for the field `policy.defaultDistro` when `published`
 *   has immutable tags on another distro and the policy has a level without a
 *   distro (`latest`, `major`, `minor` or `version`).
 * @throws InvalidTagError when a published tag breaks the OCI tag grammar.
 */
export function applyDefaultDistro(policy: TagPolicy, distro: string, published: Iterable<string>, subject: string): TagPolicy {
  if (policy.defaultDistro !== undefined) {
    return policy;
  }
  const distros = publishedDistros(published);
  const needsDefault = policy.levels.some((level) => !isDistroLevel(level));
  if (needsDefault && impliedDefaultDistro(policy, [...distros, distro]) === undefined) {
    const release = distros.includes(distro) ? '' : `, and this release is on ${distro}`;
    throw new TagPolicyError(
      'policy.defaultDistro',
      `${subject} has immutable tags on ${distros.join(', ')}${release}, so the distro that tags without a distro ` +
        `(such as latest) stand for is ambiguous; pass --default-distro or set defaultDistro in the policy`,
    );
  }
  return { ...policy, defaultDistro: distro };
}

function withoutUndefined(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
