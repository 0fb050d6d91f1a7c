import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffLabels, unifiedDiff } from '../../src/helm/unified-diff.js';

const run = promisify(execFile);
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tagkeeper-diff-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Runs GNU diff -u with fixed labels and returns its output. */
async function gnuDiff(before: string, after: string): Promise<string> {
  await writeFile(join(folder, 'before'), before);
  await writeFile(join(folder, 'after'), after);
  try {
    const { stdout } = await run('diff', ['-u', '--label', 'a/values.yaml', '--label', 'b/values.yaml', 'before', 'after'], { cwd: folder });
    return stdout;
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    if (failure.code === 1) return failure.stdout ?? '';
    throw error;
  }
}

/** Applies `diff` to `before` with GNU patch and returns the result. */
async function gnuPatch(before: string, diff: string): Promise<string> {
  const file = join(folder, 'target');
  await writeFile(file, before);
  await writeFile(join(folder, 'change.diff'), diff);
  await run('patch', ['--silent', '--force', '--no-backup-if-mismatch', file, join(folder, 'change.diff')]);
  return readFile(file, 'utf8');
}

const labels = { fromFile: 'a/values.yaml', toFile: 'b/values.yaml' };

describe('unifiedDiff', () => {
  const cases: Array<[string, string, string]> = [
    ['one changed line', 'a\nb\nc\n', 'a\nB\nc\n'],
    ['changes far apart make two hunks', 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n', 'A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n'],
    ['inserted line', 'tag: 1\npull: x\n', 'tag: 1\ndigest: d\npull: x\n'],
    ['missing final newline', 'a\nb', 'a\nc'],
    ['final newline added', 'a\nb', 'a\nb\n'],
    ['from empty', '', 'a\n'],
    ['to empty', 'a\n', ''],
  ];

  it.each(cases)('%s matches GNU diff -u', async (_name, before, after) => {
    expect(unifiedDiff(before, after, labels)).toBe(await gnuDiff(before, after));
  });

  it('labels relative paths like git and absolute paths as given', () => {
    expect(diffLabels('charts/app/values.yaml')).toEqual({ fromFile: 'a/charts/app/values.yaml', toFile: 'b/charts/app/values.yaml' });
    expect(diffLabels('/srv/values.yaml')).toEqual({ fromFile: '/srv/values.yaml', toFile: '/srv/values.yaml' });
  });

  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
  });

  it('shows CRLF lines without the carriage return', () => {
    expect(unifiedDiff('a\r\nb\r\n', 'a\r\nc\r\n', labels)).toBe('--- a/values.yaml\n+++ b/values.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  });

  it('turns any text into any other when applied by GNU patch', async () => {
    const line = fc.constantFrom('a', 'b', 'c', 'tag: 1', 'digest: x', '', '  image:');
    const text = fc.tuple(fc.array(line, { maxLength: 20 }), fc.boolean()).map(([lines, newline]) =>
      lines.length === 0 ? '' : `${lines.join('\n')}${newline ? '\n' : ''}`,
    );
    await fc.assert(
      fc.asyncProperty(text, text, async (before, after) => {
        const diff = unifiedDiff(before, after, labels);
        if (before === after) {
          expect(diff).toBe('');
          return;
        }
        expect(await gnuPatch(before, diff)).toBe(after);
      }),
      { numRuns: 150 },
    );
  });
});
