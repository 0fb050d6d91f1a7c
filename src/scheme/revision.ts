/**
 * Revisions: the `rN` rebuild counter of a version on a distro, read from
 * the tags already published, never from a local counter.
 *
 * @module
 */
import { checkDistro } from './distro.js';
import { immutableTagsOf } from './scope.js';
import type { SchemeTag } from './tag.js';
import { parseVersionText, type Version } from './version.js';

/**
 * Returns the highest revision published for `version` on `distro`, or
 * undefined when there is none. Versions match by their tag text, so
 * `3.4.13` and `v3.4.13` count separately, and so do distros.
 *
 * @throws InvalidTagError when a published string breaks the OCI tag grammar
 *   or `distro` is invalid.
 * @throws InvalidVersionError when `version` is a string that is not a tag-form version.
 */
export function newestRevision(
  published: Iterable<string | SchemeTag>,
  version: Version | string,
  distro: string,
): number | undefined {
  const versionText = typeof version === 'string' ? parseVersionText(version).text : version.text;
  checkDistro(distro);
  let newest: number | undefined;
  for (const tag of immutableTagsOf(published)) {
    if (tag.version.text === versionText && tag.distro === distro && (newest === undefined || tag.revision > newest)) {
      newest = tag.revision;
    }
  }
  return newest;
}

/**
 * Returns the revision for the next build of `version` on `distro`: one more
 * than {@link newestRevision}, or 0 for a version not yet published there.
 *
 * @throws As {@link newestRevision} does.
 */
export function nextRevision(published: Iterable<string | SchemeTag>, version: Version | string, distro: string): number {
  const newest = newestRevision(published, version, distro);
  return newest === undefined ? 0 : newest + 1;
}
