/**
 * One-line descriptions of YAML syntax errors, shared by every reader of a
 * YAML file (tag policies, values files, Chart.yaml).
 *
 * @module
 */
import type { YAMLError } from 'yaml';

/** A YAML syntax error reduced to one sentence and the place it starts. */
export interface YamlProblem {
  /** The parser's message without position or source excerpt: `Map keys must be unique`. */
  reason: string;
  /** 1-based line of the error, when the parser reported one. */
  line?: number;
  /** 1-based column of the error, when the parser reported one. */
  column?: number;
}

/**
 * Reduces an error of the `yaml` package to {@link YamlProblem}. With
 * `prettyErrors` (the default of `parse`), yaml 2.x appends
 * ` at line N, column M:` and an excerpt of the source to the message, so
 * that suffix is cut off here and the position is returned as numbers.
 */
export function describeYamlError(error: YAMLError): YamlProblem {
  const position = error.linePos?.[0];
  let reason = error.message.split('\n')[0] ?? error.message;
  if (position === undefined) {
    return { reason: reason.trim() };
  }

  const suffix = ` at line ${position.line}, column ${position.col}`;
  for (const ending of [`${suffix}:`, suffix]) {
    if (reason.endsWith(ending)) {
      reason = reason.slice(0, -ending.length);
      break;
    }
  }
  return { reason: reason.trim(), line: position.line, column: position.col };
}

/** Formats a position as `:LINE:COLUMN` to follow a file name, or '' when the line is unknown. */
export function formatYamlPosition(problem: Pick<YamlProblem, 'line' | 'column'>): string {
  if (problem.line === undefined) {
    return '';
  }
  return problem.column === undefined ? `:${problem.line}` : `:${problem.line}:${problem.column}`;
}
