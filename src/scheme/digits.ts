/**
 * Comparison of unsigned decimal digit strings without `Number()`, so that
 * leading zeros (`2023.01.05`) and values beyond 2^53 order exactly.
 */

const DIGITS = /^[0-9]+$/;

/** Returns true when `value` is one or more ASCII digits and nothing else. */
export function isDigits(value: string): boolean {
  return DIGITS.test(value);
}

/**
 * Compares two digit strings by numeric value: `'9' < '10'`, `'01' == '1'`.
 * Both strings must satisfy {@link isDigits}.
 */
export function compareDigits(a: string, b: string): number {
  const left = stripLeadingZeros(a);
  const right = stripLeadingZeros(b);
  if (left.length !== right.length) {
    return left.length < right.length ? -1 : 1;
  }
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

function stripLeadingZeros(value: string): string {
  const stripped = value.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** Compares two strings by UTF-16 code units, the order of `<` on strings. */
export function compareText(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}
