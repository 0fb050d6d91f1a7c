/**
 * Reading tags of a repository into the scheme.
 *
 * ```
 * immutable = version "-" distro "-r" revision   ; 3.4.13-debian-10-r8
 * rolling   = "latest" / version [ "-" distro ]  ; 3, 3-debian-10, 3.4.13
 * revision  = "0" / %x31-39 *digit               ; no leading zeros, at most 2^53 - 1
 * ```
 *
 * `version` and `distro` follow the grammars of `version.ts` and `distro.ts`.
 * The distro is the last `-<letters>-<version>` group before `-r<N>` or the
 * end, so `17.0.12-10-debian-12-r7` is version `17.0.12-10`, distro
 * `debian-12`, revision 7. A rolling tag's level follows from its version:
 * one bare number (`3`) is a major tag, two (`3.4`) a minor tag, anything
 * longer or with a suffix, prerelease or build a version tag. So the version
 * tag of a two-part version such as `4.0` is the same tag as its minor tag.
 *
 * Every other tag that the OCI grammar allows is foreign and comes with the
 * reason: `nightly`, cosign's `sha256-<hex>.sig`, `.att` and `.sbom`, OCI
 * referrers fallback tags `sha256-<hex>`, an immutable tag with a suffix
 * (`3.4.13-debian-10-r8-amd64`), or a tag whose version breaks the version
 * grammar. Scheme tags are never read as SemVer, so
 * `3.4.13-debian-10-r8` is a build of 3.4.13, not a prerelease.
 *
 * @module
 */
import { isValidTag } from '../grammar.js';
import { InvalidTagError, InvalidVersionError } from './errors.js';
import type { RollingLevel } from './levels.js';
import { parseVersionText, type Version } from './version.js';

/** A tag that names one build forever: `<version>-<distro>-r<revision>`. */
export interface ImmutableTag {
  readonly kind: 'immutable';
  readonly tag: string;
  readonly version: Version;
  readonly distro: string;
  /** Rebuild counter of this version on this distro, from 0. */
  readonly revision: number;
}

/** A tag that moves to the newest build of its scope, such as `3` or `3.4.13-debian-10`. */
export interface RollingTag {
  readonly kind: 'rolling';
  readonly tag: string;
  readonly level: RollingLevel;
  /** The version part (`3` of `3-debian-10`); absent for `latest`. */
  readonly version?: Version;
  /** The distro of a `-distro` level; absent otherwise. */
  readonly distro?: string;
}

/** A valid OCI tag outside the scheme. */
export interface ForeignTag {
  readonly kind: 'foreign';
  readonly tag: string;
  /** Reason the tag is not a scheme tag. */
  readonly reason: string;
}

/** A tag read by {@link parseTag}. */
export type SchemeTag = ImmutableTag | RollingTag | ForeignTag;

const IMMUTABLE_PATTERN = /^(.+)-([a-z]+-[0-9]+(?:\.[0-9]+)*)-r([0-9]+)$/;
const DISTRO_SUFFIX_PATTERN = /^(.+)-([a-z]+-[0-9]+(?:\.[0-9]+)*)$/;
const REVISION_SUFFIX_PATTERN = /-r[0-9]+$/;
const SIGNATURE_PATTERN = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})(?:\.(sig|att|sbom))?$/;

const SIGNATURE_KINDS: Readonly<Record<string, string>> = {
  sig: 'cosign signature',
  att: 'cosign attestation',
  sbom: 'cosign SBOM',
};

/**
 * Parses a tag into an immutable, rolling or foreign scheme tag.
 *
 * @throws InvalidTagError naming the tag when it breaks the OCI tag grammar.
 */
export function parseTag(tag: string): SchemeTag {
  if (typeof tag !== 'string' || !isValidTag(tag)) {
    throw new InvalidTagError(
      String(tag),
      `invalid tag "${String(tag)}": a tag is 1 to 128 characters of letters, digits, "_", "." and "-", ` +
        'and does not start with "." or "-"',
    );
  }
  if (tag === 'latest') {
    return { kind: 'rolling', tag, level: 'latest' };
  }

  const signature = SIGNATURE_PATTERN.exec(tag);
  if (signature) {
    const [, algorithm, hex, extension] = signature;
    const kind = extension ? SIGNATURE_KINDS[extension] : 'OCI referrers fallback tag';
    return foreign(tag, `${kind} for ${algorithm}:${hex}`);
  }

  const immutable = IMMUTABLE_PATTERN.exec(tag);
  if (immutable) {
    const [, versionText = '', distro = '', revisionText = ''] = immutable;
    return parseImmutable(tag, versionText, distro, revisionText);
  }

  const withDistro = DISTRO_SUFFIX_PATTERN.exec(tag);
  if (withDistro) {
    const [, versionText = '', distro = ''] = withDistro;
    const version = tryVersion(versionText);
    if (typeof version === 'string') {
      return foreign(tag, `it ends in distro "${distro}", but ${version}`);
    }
    return { kind: 'rolling', tag, level: `${rollingLevelOf(version)}-distro`, version, distro };
  }

  if (REVISION_SUFFIX_PATTERN.test(tag)) {
    return foreign(tag, 'it ends in -r<N> like an immutable tag, but has no <distro> before it');
  }

  const version = tryVersion(tag);
  if (typeof version === 'string') {
    return foreign(tag, `it is not "latest", a version, or <version>-<distro>-r<N>: ${version}`);
  }
  return { kind: 'rolling', tag, level: rollingLevelOf(version), version };
}

/** Returns the tag as an immutable tag, or undefined when it is any other kind of tag. */
export function parseImmutableTag(tag: string): ImmutableTag | undefined {
  const parsed = parseTag(tag);
  return parsed.kind === 'immutable' ? parsed : undefined;
}

/** Returns the level a rolling tag of `version` has without a distro: `major`, `minor` or `version`. */
export function rollingLevelOf(version: Version): 'major' | 'minor' | 'version' {
  const bare = version.suffix === '' && version.prerelease.length === 0 && version.build.length === 0;
  if (bare && version.release.length === 1) {
    return 'major';
  }
  if (bare && version.release.length === 2) {
    return 'minor';
  }
  return 'version';
}

function parseImmutable(tag: string, versionText: string, distro: string, revisionText: string): SchemeTag {
  if (revisionText.length > 1 && revisionText.startsWith('0')) {
    return foreign(tag, `revision "r${revisionText}" has a leading zero; the scheme writes revisions as r0, r1, r2, …`);
  }
  const revision = Number(revisionText);
  if (!Number.isSafeInteger(revision)) {
    return foreign(tag, `revision "r${revisionText}" is larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  const version = tryVersion(versionText);
  if (typeof version === 'string') {
    return foreign(tag, `it looks like <version>-<distro>-r<N>, but ${version}`);
  }
  return { kind: 'immutable', tag, version, distro, revision };
}

/** Returns the parsed version, or the reason it is not one. */
function tryVersion(text: string): Version | string {
  try {
    return parseVersionText(text);
  } catch (error) {
    if (error instanceof InvalidVersionError) {
      return `"${text}" is not a version: ${error.reason}`;
    }
    throw error;
  }
}

function foreign(tag: string, reason: string): ForeignTag {
  return { kind: 'foreign', tag, reason };
}
