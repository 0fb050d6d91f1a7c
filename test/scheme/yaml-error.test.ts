import { describe, expect, it } from 'vitest';
import { parse, parseDocument, YAMLParseError } from 'yaml';
import { describeYamlError, formatYamlPosition } from '../../src/scheme/yaml-error.js';

function parseError(text: string): YAMLParseError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail to parse`);
}

describe('describeYamlError', () => {
  it.each([
    ['levels: [latest\n', 'Flow sequence in block collection must be sufficiently indented and end with a ]', 2, 1],
    ['a: 1\na: 2\n', 'Map keys must be unique', 2, 1],
    ['"abc', 'Missing closing "quote', 1, 5],
    ['a: b: c\n', 'Nested mappings are not allowed in compact mappings', 1, 4],
    ['\t- x\n', 'Tabs are not allowed as indentation', 1, 1],
  ])('reduces the error of %j to one sentence and a position', (text, reason, line, column) => {
    const error = parseError(text);
    expect(error.message).toContain(`at line ${line}, column ${column}`);

    const problem = describeYamlError(error);

    expect(problem).toEqual({ reason, line, column });
    expect(formatYamlPosition(problem)).toBe(`:${line}:${column}`);
  });

  it('keeps the whole message of an error parsed without prettyErrors', () => {
    const [error] = parseDocument('a: [1', { prettyErrors: false }).errors;
    expect(error).toBeDefined();
    expect(describeYamlError(error as YAMLParseError)).toEqual({
      reason: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
    });
  });
});

describe('formatYamlPosition', () => {
  it.each([
    [{}, ''],
    [{ line: 3 }, ':3'],
    [{ line: 3, column: 7 }, ':3:7'],
  ])('formats %j as %j', (position, expected) => {
    expect(formatYamlPosition(position)).toBe(expected);
  });
});
