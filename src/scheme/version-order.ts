/**
 * Ordering of versions. Fields are compared in this order, and the first
 * difference decides:
 *
 * 1. Release numbers, part by part as numbers, a missing part counting as 0
 *    (`4.0` and `4.0.0` tie here, `2023.01.05` and `2023.1.5` too).
 * 2. Letter suffix: none sorts first, then by letters (`a` < `u` < `z` < `za`),
 *    then by the number after them (`p1` < `p2` < `p10`).
 * 3. Prerelease: a prerelease sorts before the same version without one.
 *    Identifiers compare as in SemVer 2.0.0: numbers by value and before
 *    words, and a shorter list first when it is a prefix of the longer one.
 *    Words compare without case, after the aliases `a`→`alpha`, `b`→`beta`,
 *    and `c`, `pre` and `preview`→`rc`. `dev` sorts before every other word.
 * 4. Build: none sorts first, then by identifiers as in step 3.
 * 5. Text: versions of equal precedence (`v1.2` and `1.2`, `rc1` and `rc.1`)
 *    order by their text, so the order is total and two versions compare
 *    equal only when their texts are equal.
 *
 * Numbers are compared as digit strings, never through `Number()`.
 *
 * @module
 */
import semver from 'semver';
import { compareDigits, compareText, isDigits } from './digits.js';
import { parseVersionText, type Version } from './version.js';

const WORD_ALIASES: Readonly<Record<string, string>> = {
  a: 'alpha',
  b: 'beta',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/**
 * Compares two versions by the rules in the module documentation. Returns a
 * negative number when `a` is older, 0 when the texts are equal, and a
 * positive number when `a` is newer. Strings are parsed as tag-form versions.
 *
 * @throws InvalidVersionError when a string is not a version.
 */
export function compareVersions(a: Version | string, b: Version | string): number {
  const left = toVersion(a);
  const right = toVersion(b);
  return comparePrecedence(left, right) || compareText(left.text, right.text);
}

function toVersion(version: Version | string): Version {
  // Anything but a parsed version goes to the parser, which rejects what is not a string.
  return typeof version === 'object' && version !== null ? version : parseVersionText(version);
}

/**
 * Compares two versions by precedence only (steps 1 to 4 of the module
 * documentation), so `4.0` and `4.0.0` compare equal.
 */
export function comparePrecedence(a: Version, b: Version): number {
  return (
    compareRelease(a.release, b.release) ||
    compareSuffix(a.suffix, b.suffix) ||
    comparePrerelease(a.prerelease, b.prerelease) ||
    compareBuild(a.build, b.build)
  );
}

function compareRelease(a: readonly string[], b: readonly string[]): number {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const order = compareDigits(a[index] ?? '0', b[index] ?? '0');
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}

function compareSuffix(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  if (a === '' || b === '') {
    return compareAbsence(a === '', b === '');
  }
  const [, aLetters = '', aNumber = ''] = /^([a-z]*)([0-9]*)$/.exec(a) ?? [];
  const [, bLetters = '', bNumber = ''] = /^([a-z]*)([0-9]*)$/.exec(b) ?? [];
  const byLetters = compareText(aLetters, bLetters);
  if (byLetters !== 0) {
    return byLetters;
  }
  if (aNumber === '' || bNumber === '') {
    return compareAbsence(aNumber === '', bNumber === '');
  }
  return compareDigits(aNumber, bNumber);
}

function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) {
    // A stable version (no identifiers) sorts after any prerelease of it.
    return -compareAbsence(a.length === 0, b.length === 0);
  }
  return compareIdentifierLists(a, b);
}

function compareBuild(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) {
    return compareAbsence(a.length === 0, b.length === 0);
  }
  return compareIdentifierLists(a, b);
}

/** Orders an absent field before a present one. */
function compareAbsence(aAbsent: boolean, bAbsent: boolean): number {
  if (aAbsent === bAbsent) {
    return 0;
  }
  return aAbsent ? -1 : 1;
}

function compareIdentifierLists(a: readonly string[], b: readonly string[]): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const order = compareIdentifiers(a[index] ?? '', b[index] ?? '');
    if (order !== 0) {
      return order;
    }
  }
  return Math.sign(a.length - b.length);
}

/**
 * Compares two identifiers. Numbers go through {@link compareDigits} because
 * semver's `compareIdentifiers` converts them with `+value`, which loses
 * precision beyond 2^53. Words go through semver after normalisation.
 */
function compareIdentifiers(a: string, b: string): number {
  const aNumeric = isDigits(a);
  const bNumeric = isDigits(b);
  if (aNumeric && bNumeric) {
    return compareDigits(a, b);
  }
  if (aNumeric !== bNumeric) {
    return aNumeric ? -1 : 1;
  }
  const aWord = normaliseWord(a);
  const bWord = normaliseWord(b);
  if ((aWord === 'dev') !== (bWord === 'dev')) {
    return aWord === 'dev' ? -1 : 1;
  }
  return semver.compareIdentifiers(aWord, bWord);
}

function normaliseWord(word: string): string {
  const lower = word.toLowerCase();
  return WORD_ALIASES[lower] ?? lower;
}
