/**
 * The default distro that a repository implies when the policy names none.
 * Tags without a distro (`latest`, `3`, `3.5`) then point to builds on the one
 * distro that every immutable tag of the repository is on. Publish and audit
 * both use this rule. With several distros, publish stops and audit reports
 * a finding.
 *
 * @module
 */
import type { TagPolicy } from './policy.js';
import { immutableTagsOf } from './scope.js';
import type { SchemeTag } from './tag.js';

/**
 * Returns the distros of the immutable tags among `published`, each once,
 * sorted. Rolling and foreign tags are ignored.
 *
 * @throws InvalidTagError when a published string breaks the OCI tag grammar.
 */
export function publishedDistros(published: Iterable<string | SchemeTag>): string[] {
  return [...new Set(immutableTagsOf(published).map((tag) => tag.distro))].sort();
}

/**
 * Returns the default distro of `policy`, else the distro that `distros`
 * implies: the only one, when there is exactly one. Returns undefined when
 * the policy names none and `distros` is empty or has several.
 */
export function impliedDefaultDistro(policy: TagPolicy, distros: readonly string[]): string | undefined {
  if (policy.defaultDistro !== undefined) {
    return policy.defaultDistro;
  }
  const distinct = new Set(distros);
  return distinct.size === 1 ? [...distinct][0] : undefined;
}
