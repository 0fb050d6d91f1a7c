import { Scalar, parseAllDocuments, visit, type Document } from 'yaml';
import { describeYamlError } from '../scheme/yaml-error.js';
import { InvalidValuesFileError } from './errors.js';

/**
 * Parse options shared by every read of a values file. Helm reads values with
 * go-yaml, which follows YAML 1.1 (`yes` is a boolean, `<<` merges maps), so
 * values are read the same way here. Source tokens are kept because edits are
 * spliced into the original text at the ranges the parser reports.
 */
export const VALUES_PARSE_OPTIONS = {
  version: '1.1',
  merge: true,
  keepSourceTokens: true,
  uniqueKeys: true,
  prettyErrors: true,
} as const;

/** A values file as text, with its parsed documents and the layout facts edits need. */
export interface ValuesSource {
  /** Path of the file, as named in reports and errors. */
  file: string;
  /** The original text; node ranges are offsets into it. */
  text: string;
  /** Line break of the file, used for inserted lines. */
  eol: '\n' | '\r\n';
  /** The quote character the file uses most, for values that must be quoted. */
  quote: '"' | "'";
  /** One entry per YAML document of the file. */
  documents: Document.Parsed[];
  /** Offset of the first character of each line. */
  lineStarts: number[];
}

/**
 * Parses `text` as the values file `file`. Throws {@link InvalidValuesFileError}
 * with the line and column of the first YAML error.
 */
export function parseValuesSource(text: string, file: string): ValuesSource {
  const documents = Array.from(parseAllDocuments(text, VALUES_PARSE_OPTIONS));
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      const problem = describeYamlError(error);
      throw new InvalidValuesFileError(file, problem.reason, problem.line, problem.column, { cause: error });
    }
  }

  return {
    file,
    text,
    eol: detectLineBreak(text),
    quote: detectQuote(documents),
    documents,
    lineStarts: findLineStarts(text),
  };
}

/** Returns the 1-based line of `offset` in `source`. */
export function lineAt(source: Pick<ValuesSource, 'lineStarts'>, offset: number): number {
  let low = 0;
  let high = source.lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((source.lineStarts[middle] ?? 0) <= offset) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return low + 1;
}

/** Returns the 0-based column of `offset`, counted in UTF-16 code units from the start of its line. */
export function columnAt(source: Pick<ValuesSource, 'lineStarts'>, offset: number): number {
  return offset - (source.lineStarts[lineAt(source, offset) - 1] ?? 0);
}

/** Returns the offset where the line holding `offset` ends, before its line break. */
export function lineEndAt(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline === -1) {
    return text.length;
  }
  return newline > 0 && text[newline - 1] === '\r' ? newline - 1 : newline;
}

function detectLineBreak(text: string): '\n' | '\r\n' {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

function detectQuote(documents: Document.Parsed[]): '"' | "'" {
  let double = 0;
  let single = 0;
  for (const document of documents) {
    visit(document, {
      Scalar(_key, node) {
        if (node.type === Scalar.QUOTE_DOUBLE) double += 1;
        if (node.type === Scalar.QUOTE_SINGLE) single += 1;
      },
    });
  }
  return single > double ? "'" : '"';
}

function findLineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}
