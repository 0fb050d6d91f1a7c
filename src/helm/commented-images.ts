import { Parser } from 'yaml';
import { isImageKey } from './image-shapes.js';
import { lineAt, type ValuesSource } from './values-source.js';

/** A commented-out example that looks like image values, such as `# tag: 1.25`. */
export interface CommentedImage {
  /** 1-based line of the first image-like comment line of the example. */
  line: number;
  /** The image-like lines, without `#`, joined with `; `. */
  text: string;
}

const COMMENTED_VALUE = /^#+\s*(?:-\s+)?([A-Za-z_][\w.-]*)\s*:\s+(\S.*)$/;
const COMMENTED_IMAGE_FIELDS = new Set(['repository', 'tag', 'digest']);

/**
 * Finds commented-out image values, so that reports list them as left
 * alone. Consecutive whole-line comments form one example. Trailing comments
 * after a value and documentation lines such as `## @param image.tag` are
 * not examples.
 */
export function findCommentedImages(source: ValuesSource): CommentedImage[] {
  const examples: CommentedImage[] = [];
  let current: { line: number; lastLine: number; lines: string[] } | undefined;

  for (const comment of collectComments(source.text)) {
    const line = lineAt(source, comment.offset);
    const lineStart = source.lineStarts[line - 1] ?? 0;
    if (source.text.slice(lineStart, comment.offset).trim() !== '') {
      continue;
    }
    if (current && line !== current.lastLine + 1) {
      flush();
    }
    current ??= { line, lastLine: line, lines: [] };
    current.lastLine = line;

    const match = COMMENTED_VALUE.exec(comment.source.trimEnd());
    const key = match?.[1];
    if (match && key !== undefined && (isImageKey(key) || COMMENTED_IMAGE_FIELDS.has(key))) {
      if (current.lines.length === 0) {
        current.line = line;
      }
      current.lines.push(`${key}: ${match[2]}`);
    }
  }
  flush();
  return examples;

  function flush(): void {
    if (current && current.lines.length > 0) {
      examples.push({ line: current.line, text: current.lines.join('; ') });
    }
    current = undefined;
  }
}

interface CommentToken {
  offset: number;
  source: string;
}

/** Collects every comment token of the concrete syntax tree, in source order. */
function collectComments(text: string): CommentToken[] {
  const comments: CommentToken[] = [];
  const seen = new Set<object>();
  const visit = (token: unknown): void => {
    if (typeof token !== 'object' || token === null || seen.has(token)) {
      return;
    }
    seen.add(token);
    if (Array.isArray(token)) {
      token.forEach(visit);
      return;
    }
    const candidate = token as { type?: unknown; offset?: unknown; source?: unknown };
    if (candidate.type === 'comment' && typeof candidate.offset === 'number' && typeof candidate.source === 'string') {
      comments.push({ offset: candidate.offset, source: candidate.source });
      return;
    }
    Object.values(token).forEach(visit);
  };
  for (const token of new Parser().parse(text)) {
    visit(token);
  }
  return comments.sort((a, b) => a.offset - b.offset);
}
