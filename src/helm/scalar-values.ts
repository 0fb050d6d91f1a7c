import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import { isTemplated } from './image-shapes.js';

/**
 * Reading one image value (a tag, a digest, a registry) from its scalar the
 * way Helm will render it.
 */

/** A scalar value read for an image field. */
export type ScalarRead =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'templated'; text: string }
  | { kind: 'invalid'; reason: string };

/**
 * Helm converts values to JSON numbers (float64) before templates see them, so
 * `{{ .Values.image.tag }}` prints 1000000 as `1e+06`. Integers below this
 * bound print as written.
 */
const LARGEST_PRINTED_INTEGER = 999_999;

/**
 * Reads `node` as the text Helm puts in the image reference. `field` names the
 * value in reasons (`tag`, `digest`). A float (`3.10`, which Helm prints as
 * `3.1`), a large integer, a boolean or a map is invalid: the chart would not
 * pull the image the file appears to name.
 */
export function readScalar(node: unknown, field: string): ScalarRead {
  if (node === undefined || node === null) {
    return { kind: 'empty' };
  }
  if (!isScalar(node)) {
    return { kind: 'invalid', reason: `the ${field} is a ${describeNode(node)}, not a string` };
  }

  const scalar = node as Scalar;
  const value = scalar.value;
  const source = typeof scalar.source === 'string' ? scalar.source : String(value);
  if (value === null || value === undefined) {
    return { kind: 'empty' };
  }
  if (typeof value === 'string') {
    if (value.trim() === '') {
      return { kind: 'empty' };
    }
    return isTemplated(value) ? { kind: 'templated', text: value } : { kind: 'text', text: value };
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const printable =
      typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= LARGEST_PRINTED_INTEGER && String(value) === source;
    if (printable) {
      return { kind: 'text', text: source };
    }
    return {
      kind: 'invalid',
      reason: `the ${field} ${source} is a YAML number that Helm prints as ${formatAsHelm(value)}; quote it ("${source}") so it stays a string`,
    };
  }
  return { kind: 'invalid', reason: `the ${field} ${source} is a YAML ${typeof value}, not a string; quote it ("${source}")` };
}

function formatAsHelm(value: number | bigint): string {
  const number = Number(value);
  if (!Number.isFinite(number)) {
    return String(number);
  }
  // Go prints a float64 with %v in exponent form from 1e6 up (1e+06, 1.234567e+06).
  if (Number.isInteger(number) && Math.abs(number) > LARGEST_PRINTED_INTEGER) {
    const [mantissa = '', exponent = '0'] = number.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(number);
}

function describeNode(node: unknown): string {
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'list';
  return 'non-scalar value';
}
