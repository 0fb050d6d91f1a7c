/**
 * A one-line progress bar on a terminal: redrawn in place with `\r`, at most
 * every 100 ms, and erased when the audit ends. Nothing is written when the
 * stream is not a terminal, so logs and pipes stay clean.
 */

/** How far an audit run is. */
export interface AuditProgress {
  repositoriesDone: number;
  repositoriesTotal: number;
  tagsDone: number;
  /** Tags of the repositories listed so far; it grows while repositories are listed. */
  tagsTotal: number;
  requests: number;
}

/** The part of a stream the progress bar uses; `process.stderr` fits. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

/** Receives progress updates; `finish` erases the line, and calling it twice erases once. */
export interface ProgressReporter {
  update(progress: AuditProgress): void;
  finish(): void;
}

const REDRAW_INTERVAL_MS = 100;
const DEFAULT_COLUMNS = 80;
const ERASE_LINE = '\r\x1b[K';

/**
 * Returns a progress bar drawing on `stream`, or one that does nothing when
 * `stream` is not a terminal. `now` is the clock, replaceable in tests.
 */
export function createProgressBar(stream: ProgressStream, now: () => number = Date.now): ProgressReporter {
  if (stream.isTTY !== true) {
    return { update: () => {}, finish: () => {} };
  }

  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(progress) {
      const time = now();
      const complete = progress.repositoriesTotal > 0 && progress.repositoriesDone === progress.repositoriesTotal;
      if (time - lastDraw < REDRAW_INTERVAL_MS && !complete) {
        return;
      }
      lastDraw = time;
      drawn = true;
      stream.write(`\r${renderProgress(progress, stream.columns ?? DEFAULT_COLUMNS)}`);
    },
    finish() {
      if (drawn) {
        stream.write(ERASE_LINE);
        drawn = false;
      }
    },
  };
}

/** Renders one progress line that fits in `columns` characters. */
export function renderProgress(progress: AuditProgress, columns: number): string {
  const counts =
    ` ${progress.repositoriesDone}/${progress.repositoriesTotal} repositories,` +
    ` ${progress.tagsDone}/${progress.tagsTotal} tags, ${progress.requests} requests`;
  const label = 'audit ';
  // Two brackets and one column spare, so the cursor never wraps to a new line.
  const barWidth = Math.max(0, Math.min(30, columns - label.length - counts.length - 3));
  if (barWidth < 5) {
    return `${label}${counts.trim()}`.slice(0, Math.max(0, columns - 1));
  }
  const fraction = progress.tagsTotal === 0 ? 0 : Math.min(1, progress.tagsDone / progress.tagsTotal);
  const filled = Math.round(fraction * barWidth);
  return `${label}[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${counts}`;
}
