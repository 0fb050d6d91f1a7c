/**
 * Generators of random and malformed input for the parser properties:
 * strings over each grammar's alphabet, valid samples with random edits,
 * and very long inputs that would expose a regular expression with
 * exponential backtracking.
 */
import fc from 'fast-check';

import { isTagkeeperError } from '../../src/errors.js';

/** Characters that appear in versions, tags, references and headers, plus some that must not. */
const GRAMMAR_CHARACTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFZ0123456789.-_+:/@=;,<>"\' \t\r\n\\%?#&*~^$[](){}', '\u0000', 'é', '\u{1F600}', '\u202E'];

/** Strings over the characters of the grammars tagkeeper parses, up to 200 characters. */
export const grammarText = fc.string({ unit: fc.constantFrom(...GRAMMAR_CHARACTERS), maxLength: 200 });

/** Any unicode text up to 200 characters. */
export const anyText = fc.string({ unit: 'binary', maxLength: 200 });

/** One edit of a string: insert, delete or replace a character, or repeat a slice. */
type Edit = { kind: 'insert' | 'replace'; at: number; text: string } | { kind: 'delete'; at: number } | { kind: 'repeat'; at: number; length: number; times: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...GRAMMAR_CHARACTERS) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...GRAMMAR_CHARACTERS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }), times: fc.integer({ min: 2, max: 50 }) }),
);

function applyEdit(text: string, change: Edit): string {
  const at = text.length === 0 ? 0 : change.at % (text.length + 1);
  switch (change.kind) {
    case 'insert':
      return text.slice(0, at) + change.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + change.text + text.slice(at + 1);
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'repeat':
      return text.slice(0, at) + text.slice(at, at + change.length).repeat(change.times) + text.slice(at + change.length);
  }
}

/** Valid samples with up to four random edits, so most inputs are close to valid. */
export function nearValid(samples: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(edit, { maxLength: 4 }))
    .map(([sample, edits]) => edits.reduce(applyEdit, sample));
}

/** Long inputs: a sample or a character repeated thousands of times, with a bad character at the end. */
export function longInput(samples: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...samples, ...GRAMMAR_CHARACTERS), fc.integer({ min: 1000, max: 20_000 }), fc.constantFrom('', '!', '\u0000', ' ', ';'))
    .map(([unit, times, tail]) => unit.repeat(Math.ceil(times / Math.max(unit.length, 1))).slice(0, times) + tail);
}

/** Mixes every kind of input for a text parser: random, near-valid and long. */
export function parserInput(samples: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: nearValid(samples), weight: 4 }, { arbitrary: grammarText, weight: 2 }, { arbitrary: anyText, weight: 1 }, { arbitrary: longInput(samples), weight: 1 });
}

/**
 * Runs `parse` and returns a description of what it threw when that was not
 * a tagkeeper error, or undefined when it returned or threw a typed error.
 */
export function untypedFailure(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (isTagkeeperError(error)) {
      return error.message.length > 0 ? undefined : `${error.name} with an empty message`;
    }
    return error instanceof Error ? `${error.name}: ${error.message}` : `non-error ${String(error)}`;
  }
}
