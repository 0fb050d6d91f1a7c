/**
 * Revisions: the `rN` rebuild counter of a version on a distro, read from
 * the tags already published, never from a local counter.
 *
 * @module
 */
import { checkDistro } from './distro.js';
import { InvalidTagError } from './errors.js';
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

/**
 * Parses a revision as a person writes it (`8`), with the rules of the `rN`
 * part of an immutable tag: digits only, no leading zero, at most 2^53 - 1.
 * A leading zero is rejected because `r08` is a foreign tag to the scheme.
 *
 * @throws InvalidTagError naming the text and the form to write instead.
 */
export function parseRevisionText(text: string): number {
  const prefixed = /^r([0-9]+)$/.exec(text);
  if (prefixed !== null) {
    throw new InvalidTagError(text, `invalid revision "${text}": write the number without the "r", as in ${prefixed[1] ?? ''}`);
  }
  if (!/^[0-9]+$/.test(text)) {
    throw new InvalidTagError(text, `invalid revision "${text}": expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  }
  if (text.length > 1 && text.startsWith('0')) {
    throw new InvalidTagError(text, `revision "${text}" has a leading zero; write ${text.replace(/^0+(?=[0-9])/, '')}`);
  }
  const revision = Number(text);
  if (!Number.isSafeInteger(revision)) {
    throw new InvalidTagError(text, `invalid revision "${text}": expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return revision;
}
