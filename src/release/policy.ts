/**
 * The tag policy of a publish or resolve, from a policy object, a policy file
 * and a default distro given apart.
 */
import { checkDistro } from '../scheme/distro.js';
import { loadTagPolicyFile } from '../scheme/policy-file.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from '../scheme/policy.js';

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
 * Loads and validates the policy. The default distro is, in this order:
 * `defaultDistro`, the policy's own, then `fallbackDistro` (for publish, the
 * release's distro, so a repository with a single distro needs no setting).
 *
 * @throws InvalidTagError when `defaultDistro` breaks the distro grammar.
 * @throws TagPolicyError naming the file or field at fault.
 */
export async function loadPolicy(source: PolicySource, fallbackDistro?: string): Promise<TagPolicy> {
  if (source.defaultDistro !== undefined) {
    checkDistro(source.defaultDistro);
  }
  const fromFile = source.policyFile === undefined ? {} : await loadTagPolicyFile(source.policyFile);
  const merged: Record<string, unknown> = { ...fromFile, ...withoutUndefined(source.policy ?? {}) };
  const defaultDistro = source.defaultDistro ?? (merged.defaultDistro as string | undefined) ?? fallbackDistro;
  if (defaultDistro !== undefined) {
    merged.defaultDistro = defaultDistro;
  }
  return parseTagPolicy(merged, source.policyFile);
}

function withoutUndefined(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
