import { describe, expect, it } from 'vitest';
import { createProgressBar, renderProgress, type AuditProgress } from '../../src/audit/progress.js';

function stream(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (text: string) => writes.push(text) > 0 };
}

const HALF: AuditProgress = { repositoriesDone: 1, repositoriesTotal: 2, tagsDone: 50, tagsTotal: 100, requests: 60 };
const DONE: AuditProgress = { repositoriesDone: 2, repositoriesTotal: 2, tagsDone: 100, tagsTotal: 100, requests: 120 };

describe('progress bar', () => {
  it('writes nothing when not a terminal', () => {
    const output = stream(false);
    const bar = createProgressBar(output);
    bar.update(HALF);
    bar.finish();
    expect(output.writes).toEqual([]);
  });

  it('redraws in place and erases the line at the end', () => {
    const output = stream(true);
    const bar = createProgressBar(output, () => 0);
    bar.update(HALF);
    bar.finish();
    expect(output.writes).toEqual([`\r${renderProgress(HALF, 100)}`, '\r\x1b[K']);
  });

  it('redraws at most every 100 ms but always at the end', () => {
    const output = stream(true);
    let time = 0;
    const bar = createProgressBar(output, () => time);
    bar.update(HALF);
    time = 50;
    bar.update(HALF);
    time = 60;
    bar.update(DONE);
    time = 200;
    bar.update(HALF);
    expect(output.writes).toHaveLength(3);
  });

  it('erases nothing when it never drew', () => {
    const output = stream(true);
    createProgressBar(output).finish();
    expect(output.writes).toEqual([]);
  });

  it.each([
    [100, 'audit [###############...............] 1/2 repositories, 50/100 tags, 60 requests'],
    [40, 'audit 1/2 repositories, 50/100 tags, 60'],
  ])('renders %d columns', (columns, expected) => {
    const line = renderProgress(HALF, columns);
    expect(line).toBe(expected);
    expect(line.length).toBeLessThan(columns);
  });

  it('renders an empty bar before any tag is listed', () => {
    expect(renderProgress({ repositoriesDone: 0, repositoriesTotal: 3, tagsDone: 0, tagsTotal: 0, requests: 0 }, 100)).toContain('[......');
  });
});
