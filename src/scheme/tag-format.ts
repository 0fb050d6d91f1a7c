/**
 * Writing scheme tags, with the checks that make every written tag read back
 * as the tag it was meant to be.
 *
 * @module
 */
import { isValidTag } from '../grammar.js';
import { checkDistro } from './distro.js';
import { InvalidTagError } from './errors.js';
import { baseLevel, isDistroLevel, type RollingLevel } from './levels.js';
import { parseTag, type SchemeTag } from './tag.js';
import { parseVersionText, type Version } from './version.js';

/** The parts of an immutable tag; a version string is read as a tag-form version. */
export interface ImmutableTagParts {
  readonly kind: 'immutable';
  readonly version: Version | string;
  readonly distro: string;
  readonly revision: number;
}

/**
 * The parts of a rolling tag. `version` is required for every level but
 * `latest`, and `distro` for the `-distro` levels only. For `major` and
 * `minor` the version may be longer than the tag: `3.4.13` gives `3` or `3.4`.
 */
export interface RollingTagParts {
  readonly kind: 'rolling';
  readonly level: RollingLevel;
  readonly version?: Version | string;
  readonly distro?: string;
}

/**
 * Writes a scheme tag from its parts.
 *
 * The tag of the `version` level of a bare one- or two-part version (`4.0`)
 * is the same tag as its major or minor tag, and reads back at that level.
 *
 * @throws InvalidTagError naming the tag or part when the result breaks the
 *   OCI tag grammar, for example by being longer than 128 characters. Also
 *   when the revision is not a non-negative safe integer or the distro is
 *   invalid, when a `minor` tag is requested of a one-part version, and when
 *   the tag would read back as another tag.
 * @throws InvalidVersionError when a version string is not a version.
 */
export function formatTag(parts: ImmutableTagParts | RollingTagParts): string {
  return parts.kind === 'immutable' ? formatImmutable(parts) : formatRolling(parts);
}

/**
 * Returns the tag that a build of `version` on `distro` carries at `level`,
 * or undefined for the `minor` levels of a one-part version, which has no
 * minor tag.
 *
 * @throws InvalidTagError as {@link formatTag} does.
 */
export function rollingTagFor(level: RollingLevel, version: Version, distro: string): string | undefined {
  if (baseLevel(level) === 'minor' && version.release.length < 2) {
    return undefined;
  }
  return formatTag({
    kind: 'rolling',
    level,
    version: level === 'latest' ? undefined : version,
    distro: isDistroLevel(level) ? distro : undefined,
  });
}

function formatImmutable(parts: ImmutableTagParts): string {
  const version = toVersion(parts.version);
  const distro = checkDistro(parts.distro);
  const revision = parts.revision;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new InvalidTagError(
      String(revision),
      `invalid revision ${String(revision)} for ${version.text} on ${distro}: expected an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
    );
  }

  const tag = `${version.text}-${distro}-r${revision}`;
  const parsed = checkTag(tag);
  if (
    parsed.kind !== 'immutable' ||
    parsed.version.text !== version.text ||
    parsed.distro !== distro ||
    parsed.revision !== revision
  ) {
    throw readsBackAs(tag, parsed);
  }
  return tag;
}

function formatRolling(parts: RollingTagParts): string {
  const { level } = parts;
  if (level === 'latest') {
    if (parts.version !== undefined || parts.distro !== undefined) {
      throw new InvalidTagError('latest', 'invalid rolling tag "latest": the latest level takes no version or distro');
    }
    return 'latest';
  }
  if (parts.version === undefined) {
    throw new InvalidTagError(level, `invalid rolling tag of level ${level}: a version is required`);
  }
  const version = toVersion(parts.version);
  const versionPart = versionPartOf(level, version);
  const distroPart = distroPartOf(level, parts.distro, versionPart);

  const tag = distroPart === undefined ? versionPart : `${versionPart}-${distroPart}`;
  const parsed = checkTag(tag);
  if (parsed.kind !== 'rolling' || parsed.version?.text !== versionPart || parsed.distro !== distroPart) {
    throw readsBackAs(tag, parsed);
  }
  return tag;
}

function versionPartOf(level: RollingLevel, version: Version): string {
  switch (baseLevel(level)) {
    case 'major':
      return `${version.prefix}${version.release[0]}`;
    case 'minor':
      if (version.release.length < 2) {
        throw new InvalidTagError(
          version.text,
          `invalid rolling tag of level ${level}: version ${version.text} has no minor part; use the major or version level`,
        );
      }
      return `${version.prefix}${version.release.slice(0, 2).join('.')}`;
    default:
      return version.text;
  }
}

function distroPartOf(level: RollingLevel, distro: string | undefined, versionPart: string): string | undefined {
  if (isDistroLevel(level)) {
    if (distro === undefined) {
      throw new InvalidTagError(versionPart, `invalid rolling tag of level ${level} for ${versionPart}: a distro is required`);
    }
    return checkDistro(distro);
  }
  if (distro !== undefined) {
    throw new InvalidTagError(
      versionPart,
      `invalid rolling tag of level ${level} for ${versionPart}: this level has no distro; use ${level}-distro`,
    );
  }
  return undefined;
}

function checkTag(tag: string): SchemeTag {
  if (!isValidTag(tag)) {
    throw new InvalidTagError(
      tag,
      `invalid tag "${tag}": ${tag.length > 128 ? `it is ${tag.length} characters long, more than the 128 that OCI allows` : 'it breaks the OCI tag grammar'}`,
    );
  }
  return parseTag(tag);
}

function readsBackAs(tag: string, parsed: SchemeTag): InvalidTagError {
  const reading =
    parsed.kind === 'foreign'
      ? `a foreign tag (${parsed.reason})`
      : parsed.kind === 'immutable'
        ? `version ${parsed.version.text} on ${parsed.distro}, revision ${parsed.revision}`
        : `a ${parsed.level} tag${parsed.version ? ` of ${parsed.version.text}` : ''}${parsed.distro ? ` on ${parsed.distro}` : ''}`;
  return new InvalidTagError(tag, `invalid tag "${tag}": it would read back as ${reading}`);
}

function toVersion(version: Version | string): Version {
  return typeof version === 'string' ? parseVersionText(version) : version;
}
