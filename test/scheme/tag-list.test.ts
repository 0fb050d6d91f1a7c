import { describe, expect, it } from 'vitest';
import { isInvalidTagError, parseTagList } from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

describe('parseTagList', () => {
  it('reads one tag a line, skipping blanks and comments', () => {
    const text = '# etcd\n3.4.13-debian-10-r8\n\n  3  \r\nlatest # moves\n#3.5\n';
    expect(parseTagList(text)).toEqual(['3.4.13-debian-10-r8', '3', 'latest']);
  });

  it('returns each tag once', () => {
    expect(parseTagList('3\n3\nlatest\n3\n')).toEqual(['3', 'latest']);
  });

  it('returns no tags for an empty list', () => {
    expect(parseTagList('')).toEqual([]);
    expect(parseTagList('\n# nothing yet\n')).toEqual([]);
  });

  it.each([
    ['3.4.13 latest', 2],
    ['-3', 2],
    ['x'.repeat(129), 2],
  ])('rejects %j and names its line', (line, lineNumber) => {
    const error = thrownBy(() => parseTagList(`latest\n${line}\n`, 'tags.txt'));
    expect(isInvalidTagError(error)).toBe(true);
    expect(error.message).toContain(`tags.txt, line ${lineNumber}: invalid tag "${line}"`);
  });
});
