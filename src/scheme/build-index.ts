/**
 * Immutable tags grouped by the fields that scopes fix (distro, first release
 * numbers, version text), so that finding the members of a scope reads one
 * small group instead of every published tag. Resolving or auditing a
 * repository looks up hundreds of scopes over the same tags.
 *
 * @module
 */
import { compareImmutableTags, immutableTagsOf, isInScope, type TagScope } from './scope.js';
import type { ImmutableTag, SchemeTag } from './tag.js';

/** The immutable tags of one repository, newest first, grouped for scope lookups. */
export class BuildIndex {
  /** Every immutable tag, each once, newest first. */
  readonly builds: readonly ImmutableTag[];
  /** Distros of the builds, in the order of their newest build. */
  readonly distros: readonly string[];
  readonly #byDistro = new Map<string, ImmutableTag[]>();
  readonly #byRelease = new Map<string, ImmutableTag[]>();
  readonly #byVersion = new Map<string, ImmutableTag[]>();

  /**
   * Parses and sorts `published` once. Rolling and foreign tags are left out.
   *
   * @throws InvalidTagError when a string breaks the OCI tag grammar.
   */
  constructor(published: Iterable<string | SchemeTag>) {
    this.builds = immutableTagsOf(published).sort((a, b) => compareImmutableTags(b, a));
    for (const build of this.builds) {
      const { distro, version } = build;
      append(this.#byDistro, distro, build);
      append(this.#byVersion, `${distro} ${version.text}`, build);
      // Keyed by the first one and two numbers, with the prefix, for major and minor scopes.
      append(this.#byRelease, releaseKey(distro, version.prefix, version.release.slice(0, 1)), build);
      if (version.release.length >= 2) {
        append(this.#byRelease, releaseKey(distro, version.prefix, version.release.slice(0, 2)), build);
      }
    }
    this.distros = [...this.#byDistro.keys()];
  }

  /** Returns the members of `scope`, newest first. */
  members(scope: TagScope): ImmutableTag[] {
    return this.#group(scope).filter((build) => isInScope(scope, build));
  }

  /** Returns a group that contains every member of `scope`, newest first. */
  #group(scope: TagScope): readonly ImmutableTag[] {
    if (scope.version !== undefined) {
      return this.#byVersion.get(`${scope.distro} ${scope.version}`) ?? [];
    }
    const release = scope.release;
    if (release !== undefined && release.length > 0 && scope.prefix !== undefined) {
      const leading = release.slice(0, Math.min(release.length, 2));
      return this.#byRelease.get(releaseKey(scope.distro, scope.prefix, leading)) ?? [];
    }
    return this.#byDistro.get(scope.distro) ?? [];
  }
}

function releaseKey(distro: string, prefix: string, numbers: readonly string[]): string {
  return `${distro} ${prefix}${numbers.join('.')}`;
}

function append(groups: Map<string, ImmutableTag[]>, key: string, build: ImmutableTag): void {
  const group = groups.get(key);
  if (group === undefined) {
    groups.set(key, [build]);
  } else {
    group.push(build);
  }
}
