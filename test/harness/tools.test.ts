import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CommandFailedError } from '../support/errors.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { checkExecutable, findTool, redact, runTool } from '../support/tools.js';

async function failure(run: Promise<unknown>): Promise<CommandFailedError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof CommandFailedError) return error;
    throw error;
  }
  throw new Error('the command succeeded, but a failure was expected');
}

describe('findTool', () => {
  it.each(['docker-registry', 'skopeo', 'openssl'])('finds %s', async (name) => {
    expect(await findTool(name)).toMatch(new RegExp(`/${name}$`));
  });

  it('names the Debian package of a missing tool', async () => {
    await expect(findTool('tagkeeper-no-such-tool')).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringContaining('apt-get install tagkeeper-no-such-tool'),
    });
  });

  it.each([
    ['a file without execute bits', 'plain-file'],
    ['a folder', '.'],
    ['a missing file', 'missing'],
  ])('rejects %s', async (_case, name) => {
    const dir = await makeTempDir('tools-test');
    try {
      await writeFile(path.join(dir, 'plain-file'), '#!/bin/sh\n', { mode: 0o644 });
      const file = path.join(dir, name);
      await expect(checkExecutable(file, 'skopeo')).rejects.toThrow(`skopeo (${file}) is not installed`);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('runTool', () => {
  it('returns stdout and stderr', async () => {
    const output = await runTool('/bin/sh', ['-c', 'printf out; printf err >&2']);

    expect(output.stdout.toString()).toBe('out');
    expect(output.stderr).toBe('err');
  });

  it('reports the exit code and stderr', async () => {
    const error = await failure(runTool('/bin/sh', ['-c', 'echo "manifest unknown" >&2; exit 3']));

    expect(error.exitCode).toBe(3);
    expect(error.stderr).toBe('manifest unknown');
    expect(error.message).toBe(`sh -c 'echo "manifest unknown" >&2; exit 3' failed with exit code 3: manifest unknown`);
  });

  it('redacts secrets in the command line and stderr', async () => {
    const error = await failure(
      runTool('/bin/sh', ['-c', 'echo "bad password Hunter2-Secret" >&2; exit 1', 'sh', '--creds', 'tester:Hunter2-Secret'], {
        secrets: ['Hunter2-Secret'],
      }),
    );

    expect(error.message).not.toContain('Hunter2-Secret');
    expect(error.command).toContain('--creds tester:***');
    expect(error.stderr).toBe('bad password ***');
  });

  it('kills a command that times out', async () => {
    const error = await failure(runTool('/bin/sleep', ['10'], { timeoutMs: 100 }));

    expect(error.exitCode).toBeUndefined();
    expect(error.message).toBe('sleep 10 timed out after 100 ms and wrote nothing to stderr');
  });

  it('reports a program that cannot start', async () => {
    const error = await failure(runTool('/nonexistent/tool', ['--version']));

    expect(error.message).toMatch(/^tool --version could not start \(ENOENT\)/);
  });

  it('stops a command that writes too much output', async () => {
    const error = await failure(runTool('/bin/sh', ['-c', 'head -c 4096 /dev/zero'], { maxStdoutBytes: 1024 }));

    expect(error.message).toContain('wrote more output than the harness keeps');
  });

  it('keeps the end of a long stderr', async () => {
    const error = await failure(runTool('/bin/sh', ['-c', 'head -c 10000 /dev/zero | tr "\\0" x >&2; echo " the reason" >&2; exit 1']));

    expect(error.stderr.length).toBeLessThanOrEqual(4001);
    expect(error.stderr.endsWith('the reason')).toBe(true);
  });
});

describe('redact', () => {
  it.each([
    ['replaces every occurrence', 'a:pw b:pw', ['pw'], 'a:*** b:***'],
    ['replaces several secrets', 'user pass', ['user', 'pass'], '*** ***'],
    ['ignores empty secrets', 'text', [''], 'text'],
  ])('%s', (_case, text, secrets, expected) => {
    expect(redact(text, secrets)).toBe(expected);
  });
});
