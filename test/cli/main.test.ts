import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatUsageError } from '../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a child process. With `closeStdoutAfter`, the test stops
 * reading stdout after that many bytes, as `| head -c N` would.
 */
function tagkeeper(args: string[], closeStdoutAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [BIN, ...args], { cwd: ROOT, env: { ...process.env, TAGKEEPER_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closeStdoutAfter !== undefined && stdout.length >= closeStdoutAfter) {
        child.stdout.destroy();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('usage errors', () => {
  it.each([
    [['tags', '--version', '3.4.13', '--distro', 'debian-12', '--bogus'], "unknown option '--bogus'"],
    [['tags', '--version', '3.4.13'], "required option '--distro <distro>' not specified"],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['pin', 'values.yaml', '--mode', 'sha'], "option '--mode <mode>' argument 'sha' is invalid"],
  ])('%j prints one line and exits 2', async (args, message) => {
    const run = await tagkeeper(args);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
    expect(run.stderr).toContain(`tagkeeper: error: ${message}`);
    expect(run.stderr).toMatch(/; run with --help for usage\n$/);
  }, 60_000);

  it('formats commander messages with the tool prefix', () => {
    expect(formatUsageError("error: unknown option '--x'\n")).toBe(
      "tagkeeper: error: unknown option '--x'; run with --help for usage\n",
    );
  });

  it('keeps --help and --version on stdout with exit 0', async () => {
    const help = await tagkeeper(['--help']);
    const version = await tagkeeper(['--version']);

    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tagkeeper/);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 60_000);
});

describe('closed stdout', () => {
  it('lets the demo finish without a stack trace when the reader goes away', async () => {
    const run = await tagkeeper(['demo'], 10);

    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.stderr).not.toContain('Unhandled');
  }, 120_000);
});
