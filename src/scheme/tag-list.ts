/**
 * Reading plain-text tag lists, one tag a line, such as a file of published
 * tags written by a script or by hand.
 *
 * @module
 */
import { isValidTag } from '../grammar.js';
import { InvalidTagError } from './errors.js';

/**
 * Parses a tag list: one tag a line, with blank lines and `#` comments
 * ignored (a tag cannot contain `#`, so a comment may also follow a tag).
 * Surrounding whitespace and `\r` line ends are trimmed. Returns each tag
 * once, in the order of first appearance.
 *
 * @param source - Name of the list in messages, such as a file path.
 * @throws InvalidTagError naming the line when it is not one valid OCI tag.
 */
export function parseTagList(text: string, source = 'tag list'): string[] {
  const tags = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const commentStart = line.indexOf('#');
    const tag = (commentStart === -1 ? line : line.slice(0, commentStart)).trim();
    if (tag === '') {
      return;
    }
    if (!isValidTag(tag)) {
      throw new InvalidTagError(
        tag,
        `${source}, line ${index + 1}: invalid tag "${tag}": expected one OCI tag a line ` +
          '(letters, digits, "_", "." and "-", at most 128 characters)',
      );
    }
    tags.add(tag);
  });
  return [...tags];
}
