import { Scalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isPlainSafe, renderScalar } from '../../src/helm/scalar-render.js';

function previous(type: Scalar.Type): Scalar {
  const scalar = new Scalar('old');
  scalar.type = type;
  return scalar;
}

describe('isPlainSafe', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['3.5.9-debian-12-r2', false, true],
    ['sha256:' + 'a'.repeat(64), false, true],
    ['nginx:1.25@sha256:' + 'a'.repeat(64), false, true],
    ['3.10', false, false],
    ['16', false, false],
    ['1e3', false, false],
    ['0x1F', false, false],
    ['yes', false, false],
    ['on', false, false],
    ['null', false, false],
    ['~', false, false],
    ['1_000', false, false],
    ['190:20:30', false, false],
    ['a #b', false, false],
    ['', false, false],
    [' a', false, false],
    ['tag,x', true, false],
    ['tag,x', false, true],
  ];

  it.each(cases)('%s in flow %s is %s', (value, flow, expected) => {
    expect(isPlainSafe(value, flow)).toBe(expected);
  });
});

describe('renderScalar', () => {
  const cases: Array<[string, string, Scalar | undefined, '"' | "'", string]> = [
    ['plain stays plain', '3.5.9-debian-12-r2', previous(Scalar.PLAIN), '"', '3.5.9-debian-12-r2'],
    ['double quotes kept', '3.5.9-debian-12-r2', previous(Scalar.QUOTE_DOUBLE), "'", '"3.5.9-debian-12-r2"'],
    ['single quotes kept', '3.5.9-debian-12-r2', previous(Scalar.QUOTE_SINGLE), '"', "'3.5.9-debian-12-r2'"],
    ['number-like plain value quoted in the file style', '3.10', previous(Scalar.PLAIN), "'", "'3.10'"],
    ['number-like new value quoted with double quotes', '2023.01', undefined, '"', '"2023.01"'],
    ['escapes in double quotes', 'a"b\\c', previous(Scalar.QUOTE_DOUBLE), '"', '"a\\"b\\\\c"'],
    ['escapes in single quotes', "it's", previous(Scalar.QUOTE_SINGLE), '"', "'it''s'"],
  ];

  it.each(cases)('%s', (_name, value, before, quote, expected) => {
    expect(renderScalar(value, { previous: before, quote, flow: false })).toBe(expected);
  });
});
