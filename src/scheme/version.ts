/**
 * Versions of the tag scheme: the upstream version as it appears in tags.
 *
 * Grammar of the tag form (ABNF-like; `lower` is `a-z`, `alnum` is
 * `0-9A-Za-z`):
 *
 * ```
 * version = [ "v" ] release [ word ] [ tail ] [ "_" build ]
 * release = digits *( "." digits )            ; 3.4.13, 4.0, 1.2.3.4, 2023.01.05
 * word    = 1*lower [ digits ]                ; attached: 1.0.2u, 9.6p1, 3.7.0b1
 * tail    = "-" part *( ( "." / "-" ) part )  ; -rc.1, -10, -beta-2.x
 * build   = part *( "." part )                ; after "_": 17.0.9_9
 * part    = 1*alnum
 * ```
 *
 * How the pieces are read:
 * - `word` is a prerelease label when its letters are `alpha`, `beta`, `rc`,
 *   `pre`, `preview` or `dev`, or when they are `a`, `b` or `c` followed by
 *   digits (`3.7.0b1`). Any other word is a stable letter suffix ordered
 *   after the plain release (`1.0.2u`, `1.0.2za`, `9.6p1`).
 * - A `tail` made only of numbers is a build number of a stable release
 *   (`17.0.12-10`), unlike SemVer 2.0.0 where `1.0.0-1` is a prerelease. Any
 *   other tail is a prerelease (`3.11.0-rc1`, `5.1.0-rc.1`).
 * - The whole text must not end in `-<lower>-<digits>[.<digits>…]`, which
 *   reads as a distro, nor in `-r<digits>`, which reads as a revision. It must
 *   not contain `-<distro>-r<digits>` anywhere either, so that a tag such as
 *   `3.4.13-debian-10-r8-amd64` is not read as a version.
 *
 * Upstream versions may also carry a `+build` suffix, which a tag cannot
 * contain. {@link parseVersion} maps it by the {@link BuildMetadataRule}.
 *
 * @module
 */
import { isDigits } from './digits.js';
import { InvalidVersionError } from './errors.js';

/** A parsed version. Every field is derived from `text`, the form used in tags. */
export interface Version {
  /** The version as written in tags, such as `17.0.9-9` for upstream `17.0.9+9`. */
  readonly text: string;
  /** The string given to {@link parseVersion}, before any mapping. */
  readonly upstream: string;
  /** `v` when the version starts with one, else the empty string. */
  readonly prefix: '' | 'v';
  /** Release numbers as written, leading zeros kept: `['2023', '01', '05']`. */
  readonly release: readonly string[];
  /** Stable letter suffix such as `u` of `1.0.2u`, or the empty string. */
  readonly suffix: string;
  /** Prerelease identifiers, split at `.`, `-` and letter-digit boundaries: `['rc', '1']`. Empty for a stable version. */
  readonly prerelease: readonly string[];
  /** Build identifiers from a numeric tail or an `_` part, split like `prerelease`: `['10']` of `17.0.12-10`. */
  readonly build: readonly string[];
  /** True unless the version is a prerelease. */
  readonly stable: boolean;
}

/**
 * Mapping of the `+` that starts SemVer build metadata, which a tag cannot
 * contain:
 * - `hyphen`: `17.0.9+9` becomes `17.0.9-9`. The metadata must be numbers
 *   (`9`, `9.1`), because any other text after `-` would read as a prerelease.
 * - `underscore`: `1.2.3+build.5` becomes `1.2.3_build.5`. The metadata must be
 *   letters and digits separated by dots.
 * - `drop`: the metadata is removed, so `17.0.9+9` becomes `17.0.9`.
 * - `reject`: a version with `+` is an error.
 */
export type BuildMetadataRule = 'hyphen' | 'underscore' | 'drop' | 'reject';

/** Every {@link BuildMetadataRule}, the default first. */
export const BUILD_METADATA_RULES = ['hyphen', 'underscore', 'drop', 'reject'] as const;

/** Options of {@link parseVersion} for the parts of an upstream version that tags do not keep as written. */
export interface VersionOptions {
  /** Mapping of `+build` metadata; `hyphen` by default. */
  buildMetadata?: BuildMetadataRule;
  /** `keep` (the default) writes a leading `v` into tags; `drop` removes it. */
  versionPrefix?: 'keep' | 'drop';
}

const VERSION_HINT = 'expected a version such as 3.4.13, 1.0.2u, 17.0.12-10 or 3.11.0-rc1';

const PRERELEASE_WORDS = new Set(['alpha', 'beta', 'rc', 'pre', 'preview', 'dev']);
const SHORT_PRERELEASE_LETTERS = new Set(['a', 'b', 'c']);

const VERSION_PATTERN =
  /^(v?)([0-9]+(?:\.[0-9]+)*)(?:([a-z]+)([0-9]*))?(-[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?(?:_([0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*))?$/;
const DISTRO_LIKE_END = /-[a-z]+-[0-9]+(?:\.[0-9]+)*$/;
const REVISION_LIKE_END = /-r[0-9]+$/;
const EMBEDDED_IMMUTABLE_TAG = /-[a-z]+-[0-9]+(?:\.[0-9]+)*-r[0-9]+(?=[-._]|$)/;
const SEMVER_BUILD_METADATA = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const NUMERIC_BUILD_METADATA = /^[0-9]+(?:\.[0-9]+)*$/;
const ALNUM_BUILD_METADATA = /^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*$/;

/**
 * Parses an upstream version into a {@link Version}.
 *
 * Maps `+build` metadata by `options.buildMetadata` and a leading `v` by
 * `options.versionPrefix`, then parses the result with the tag-form grammar
 * in the module documentation.
 *
 * @throws InvalidVersionError naming the version when it breaks the grammar
 *   or its build metadata does not fit the rule.
 */
export function parseVersion(input: string, options: VersionOptions = {}): Version {
  if (typeof input !== 'string') {
    throw new InvalidVersionError(String(input), 'it is not a string', VERSION_HINT);
  }
  let text = mapBuildMetadata(input, options.buildMetadata ?? 'hyphen');
  if (options.versionPrefix === 'drop' && /^v[0-9]/.test(text)) {
    text = text.slice(1);
  }
  return parseVersionText(text, input);
}

/**
 * Parses a version in its tag form, which has no `+`: the version part of a
 * scheme tag.
 *
 * @throws InvalidVersionError naming the version when it breaks the grammar.
 */
export function parseVersionText(text: string, upstream: string = text): Version {
  const invalid = (reason: string) =>
    new InvalidVersionError(upstream, upstream === text ? reason : `its tag form "${text}": ${reason}`, VERSION_HINT);

  if (typeof text !== 'string') {
    throw invalid('it is not a string');
  }
  if (text === '') {
    throw invalid('it is empty');
  }
  const match = VERSION_PATTERN.exec(text);
  if (!match) {
    throw invalid(explainMismatch(text));
  }
  if (DISTRO_LIKE_END.test(text)) {
    throw invalid(`it ends in "${DISTRO_LIKE_END.exec(text)?.[0]}", which reads as a distro`);
  }
  if (REVISION_LIKE_END.test(text)) {
    throw invalid(`it ends in "${REVISION_LIKE_END.exec(text)?.[0]}", which reads as a revision`);
  }
  if (EMBEDDED_IMMUTABLE_TAG.test(text)) {
    throw invalid(`it contains "${EMBEDDED_IMMUTABLE_TAG.exec(text)?.[0]}", which reads as a distro and a revision`);
  }

  const [, prefix = '', releaseText = '', letters = '', wordNumber = '', tail = '', underscoreBuild] = match;
  const release = releaseText.split('.');
  const tailParts = tail === '' ? [] : tail.slice(1).split(/[.-]/);
  const wordIsPrerelease =
    PRERELEASE_WORDS.has(letters) || (SHORT_PRERELEASE_LETTERS.has(letters) && wordNumber !== '');
  const tailIsBuild = !wordIsPrerelease && tailParts.length > 0 && tailParts.every(isDigits);

  const prerelease: string[] = [];
  if (wordIsPrerelease) {
    prerelease.push(letters);
    if (wordNumber !== '') {
      prerelease.push(wordNumber);
    }
  }
  if (!tailIsBuild) {
    prerelease.push(...tailParts.flatMap(splitLettersAndDigits));
  }
  const underscoreParts = underscoreBuild?.split('.').flatMap(splitLettersAndDigits) ?? [];
  const build = [...(tailIsBuild ? tailParts : []), ...underscoreParts];

  return {
    text,
    upstream,
    prefix: prefix === 'v' ? 'v' : '',
    release,
    suffix: wordIsPrerelease ? '' : letters + wordNumber,
    prerelease,
    build,
    stable: prerelease.length === 0,
  };
}

/** Parses `text` as {@link parseVersionText} does, but returns undefined where that function throws. */
export function tryParseVersionText(text: string): Version | undefined {
  try {
    return parseVersionText(text);
  } catch (error) {
    if (error instanceof InvalidVersionError) {
      return undefined;
    }
    throw error;
  }
}

function mapBuildMetadata(input: string, rule: BuildMetadataRule): string {
  const plus = input.indexOf('+');
  if (plus === -1) {
    return input;
  }
  const base = input.slice(0, plus);
  const metadata = input.slice(plus + 1);
  const invalid = (reason: string, hint: string) => new InvalidVersionError(input, reason, hint);

  if (rule === 'reject') {
    throw invalid(
      `build metadata "+${metadata}" cannot appear in a tag and the build metadata rule is "reject"`,
      'set buildMetadata to "hyphen", "underscore" or "drop"',
    );
  }
  if (!SEMVER_BUILD_METADATA.test(metadata)) {
    throw invalid(
      `build metadata "+${metadata}" is not dot-separated identifiers of letters, digits and hyphens`,
      'write build metadata as in SemVer 2.0.0, such as +9 or +build.5',
    );
  }
  switch (rule) {
    case 'hyphen':
      if (!NUMERIC_BUILD_METADATA.test(metadata)) {
        throw invalid(
          `build metadata "+${metadata}" is not numeric, so "-${metadata}" would read as a prerelease`,
          'set buildMetadata to "underscore" or "drop"',
        );
      }
      return `${base}-${metadata}`;
    case 'underscore':
      if (!ALNUM_BUILD_METADATA.test(metadata)) {
        throw invalid(
          `build metadata "+${metadata}" contains "-", which the underscore rule does not map`,
          'set buildMetadata to "drop"',
        );
      }
      return `${base}_${metadata}`;
    case 'drop':
      return base;
    default:
      throw invalid(`unknown build metadata rule "${String(rule)}"`, `use one of ${BUILD_METADATA_RULES.join(', ')}`);
  }
}

function explainMismatch(text: string): string {
  const bad = /[^0-9A-Za-z._-]/.exec(text);
  if (bad) {
    return `it contains "${bad[0]}", which a tag cannot contain`;
  }
  if (!/^v?[0-9]/.test(text)) {
    return 'it must start with a digit, optionally after "v"';
  }
  if (/\.\.|\.$|\.[^0-9]/.test(text.replace(/[-_].*$/, ''))) {
    return 'each release part between dots must be a number';
  }
  return 'it does not follow the version grammar';
}

function splitLettersAndDigits(part: string): string[] {
  return part.match(/[0-9]+|[A-Za-z]+/g) ?? [];
}
