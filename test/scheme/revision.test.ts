import { describe, expect, it } from 'vitest';
import { isInvalidTagError, parseRevisionText, parseTag } from '../../src/scheme/index.js';

describe('parseRevisionText', () => {
  it.each([
    ['0', 0],
    ['8', 8],
    ['10', 10],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('reads %j as %i', (text, revision) => {
    expect(parseRevisionText(text)).toBe(revision);
  });

  it.each([
    ['08', 'revision "08" has a leading zero; write 8'],
    ['00', 'revision "00" has a leading zero; write 0'],
    ['007', 'revision "007" has a leading zero; write 7'],
    ['r8', 'invalid revision "r8": write the number without the "r", as in 8'],
    ['', 'invalid revision "": expected a whole number from 0 to 9007199254740991'],
    ['-1', 'invalid revision "-1": expected a whole number from 0 to 9007199254740991'],
    ['1.5', 'invalid revision "1.5": expected a whole number from 0 to 9007199254740991'],
    [' 8', 'invalid revision " 8": expected a whole number from 0 to 9007199254740991'],
    ['abc', 'invalid revision "abc": expected a whole number from 0 to 9007199254740991'],
    ['9007199254740993', 'invalid revision "9007199254740993": expected a whole number from 0 to 9007199254740991'],
  ])('rejects %j', (text, message) => {
    let caught: unknown;
    try {
      parseRevisionText(text);
    } catch (error) {
      caught = error;
    }
    expect(isInvalidTagError(caught)).toBe(true);
    expect((caught as Error).message).toBe(message);
  });

  it('rejects a leading zero as the tag parser does', () => {
    expect(parseTag('3.4.13-debian-10-r08').kind).toBe('foreign');
    expect(() => parseRevisionText('08')).toThrow(/leading zero/);
  });
});
