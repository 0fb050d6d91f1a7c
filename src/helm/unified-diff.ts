import { isAbsolute } from 'node:path';

/**
 * A line diff in the unified format of GNU diff and git, for `pin --dry-run`.
 * The edit script comes from Myers' O((N+M)D) algorithm ("An O(ND) Difference
 * Algorithm and Its Variations", 1986), so pins that change a few lines of a
 * long file cost little.
 */

/** Options of {@link unifiedDiff}. */
export interface UnifiedDiffOptions {
  /** Name shown on the `---` line. */
  fromFile: string;
  /** Name shown on the `+++` line. */
  toFile: string;
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
}

/**
 * Returns the `---` and `+++` names for `file` the way git writes them
 * (`a/values.yaml`, `b/values.yaml`), or the path itself twice when it is
 * absolute, where an `a/` prefix would make no sense.
 */
export function diffLabels(file: string): Pick<UnifiedDiffOptions, 'fromFile' | 'toFile'> {
  return isAbsolute(file) ? { fromFile: file, toFile: file } : { fromFile: `a/${file}`, toFile: `b/${file}` };
}

type Operation = { kind: ' ' | '-' | '+'; line: string; oldIndex: number; newIndex: number };

interface Line {
  text: string;
  /** False for a last line without a line break. */
  terminated: boolean;
}

/** Returns the unified diff from `before` to `after`, or an empty string when they are equal. */
export function unifiedDiff(before: string, after: string, options: UnifiedDiffOptions): string {
  if (before === after) {
    return '';
  }
  const context = options.context ?? 3;
  const oldLines = splitLines(before);
  const newLines = splitLines(after);
  const operations = diffLines(oldLines, newLines);

  const output = [`--- ${options.fromFile}`, `+++ ${options.toFile}`];
  for (const hunk of groupHunks(operations, context)) {
    output.push(hunkHeader(hunk));
    for (const operation of hunk) {
      output.push(`${operation.kind}${operation.line}`);
      const source = operation.kind === '+' ? newLines[operation.newIndex] : oldLines[operation.oldIndex];
      if (source && !source.terminated) {
        output.push('\\ No newline at end of file');
      }
    }
  }
  return `${output.join('\n')}\n`;
}

function splitLines(text: string): Line[] {
  if (text === '') {
    return [];
  }
  const parts = text.split('\n');
  const lines = parts.map((part, index) => ({
    // A CRLF file shows its lines without the carriage return, as git does by default.
    text: part.endsWith('\r') ? part.slice(0, -1) : part,
    terminated: index < parts.length - 1,
  }));
  if (lines.at(-1)?.text === '' && text.endsWith('\n')) {
    lines.pop();
  }
  return lines;
}

/** Computes the shortest edit script with Myers' greedy algorithm and walks it back into operations. */
function diffLines(oldLines: Line[], newLines: Line[]): Operation[] {
  const key = (line: Line) => `${line.terminated ? '1' : '0'}${line.text}`;
  const a = oldLines.map(key);
  const b = newLines.map(key);
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const frontier = new Array<number>(2 * max + 3).fill(0);
  const trace: number[][] = [];

  search: for (let d = 0; d <= max; d += 1) {
    trace.push([...frontier]);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (frontier[offset + k - 1] ?? 0) < (frontier[offset + k + 1] ?? 0));
      let x = down ? (frontier[offset + k + 1] ?? 0) : (frontier[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      frontier[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push([...frontier]);
        break search;
      }
    }
  }

  const operations: Operation[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d -= 1) {
    const previous = trace[d] ?? [];
    const k = x - y;
    const down = k === -d || (k !== d && (previous[offset + k - 1] ?? 0) < (previous[offset + k + 1] ?? 0));
    const previousK = down ? k + 1 : k - 1;
    const previousX = previous[offset + previousK] ?? 0;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      operations.push({ kind: ' ', line: oldLines[x]?.text ?? '', oldIndex: x, newIndex: y });
    }
    if (d > 0) {
      if (down) {
        y -= 1;
        operations.push({ kind: '+', line: newLines[y]?.text ?? '', oldIndex: x, newIndex: y });
      } else {
        x -= 1;
        operations.push({ kind: '-', line: oldLines[x]?.text ?? '', oldIndex: x, newIndex: y });
      }
    }
  }
  return operations.reverse();
}

function groupHunks(operations: Operation[], context: number): Operation[][] {
  const changed = operations.map((operation, index) => (operation.kind === ' ' ? -1 : index)).filter((index) => index !== -1);
  const hunks: Operation[][] = [];
  let start = -1;
  let end = -1;
  for (const index of changed) {
    if (start !== -1 && index - context <= end + context) {
      end = index;
      continue;
    }
    if (start !== -1) {
      hunks.push(operations.slice(Math.max(0, start - context), Math.min(operations.length, end + context + 1)));
    }
    start = index;
    end = index;
  }
  if (start !== -1) {
    hunks.push(operations.slice(Math.max(0, start - context), Math.min(operations.length, end + context + 1)));
  }
  return hunks;
}

function hunkHeader(hunk: Operation[]): string {
  const first = hunk[0];
  const oldCount = hunk.filter((operation) => operation.kind !== '+').length;
  const newCount = hunk.filter((operation) => operation.kind !== '-').length;
  const oldStart = oldCount === 0 ? (first?.oldIndex ?? 0) : (first?.oldIndex ?? 0) + 1;
  const newStart = newCount === 0 ? (first?.newIndex ?? 0) : (first?.newIndex ?? 0) + 1;
  return `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
