/**
 * Finds and runs the command-line tools of the real-component tests
 * (docker-registry, skopeo, openssl), with time-outs and credentials kept out
 * of every error message.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

import { CommandFailedError, ToolMissingError } from './errors.js';

/** Debian package of each tool, named in the error when the tool is missing. */
const DEBIAN_PACKAGES: Record<string, string> = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  openssl: 'openssl',
};

const found = new Map<string, Promise<string>>();

/**
 * Finds an executable on `PATH`, then in `/usr/bin` and `/usr/sbin`.
 *
 * @throws ToolMissingError naming the Debian package to install.
 */
export function findTool(name: string): Promise<string> {
  let lookup = found.get(name);
  if (lookup === undefined) {
    lookup = searchExecutable(name);
    found.set(name, lookup);
  }
  return lookup;
}

async function searchExecutable(name: string): Promise<string> {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/sbin'];
  for (const folder of folders) {
    const candidate = path.join(folder, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new ToolMissingError(name, DEBIAN_PACKAGES[name] ?? name);
}

/**
 * Checks that `file` is an executable and returns it.
 *
 * @throws ToolMissingError naming the Debian package of `tool`.
 */
export async function checkExecutable(file: string, tool: string): Promise<string> {
  if (await isExecutableFile(file)) return file;
  throw new ToolMissingError(`${tool} (${file})`, DEBIAN_PACKAGES[tool] ?? tool);
}

/** Checks for a regular file with an execute bit, which `access(X_OK)` alone does not prove for root. */
async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile() || (info.mode & 0o111) === 0) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Milliseconds before the process is killed. Default 60 000. */
  timeoutMs?: number;
  /** Strings replaced by `***` in the command line and stderr of an error, such as passwords. */
  secrets?: readonly string[];
  /** Largest stdout kept, in bytes. Default 64 MiB. */
  maxStdoutBytes?: number;
  /** Extra environment variables for the tool. */
  env?: Record<string, string>;
}

/** Output of a finished tool. */
export interface ToolOutput {
  stdout: Buffer;
  stderr: string;
}

/** Maximum length of the stderr quoted in an error. The end is kept, because it contains the reason. */
const MAX_STDERR_IN_ERROR = 4000;

/**
 * Runs `file` with `args` (no shell) and resolves with its output.
 *
 * @throws CommandFailedError with the redacted command line and the end of
 *   stderr when the tool exits with an error, is killed or times out.
 */
export function runTool(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolOutput> {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        encoding: 'buffer',
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: options.maxStdoutBytes ?? 64 * 1024 * 1024,
        env: { ...process.env, ...options.env },
      },
      (error, stdout, stderr) => {
        const stderrText = stderr.toString('utf8');
        if (error === null) {
          resolve({ stdout, stderr: stderrText });
          return;
        }

        const command = redact([path.basename(file), ...args].map(quoteArgument).join(' '), secrets);
        reject(
          new CommandFailedError({
            command,
            outcome: describeOutcome(error as ExecFileFailure, options.timeoutMs ?? 60_000),
            exitCode: typeof error.code === 'number' ? error.code : undefined,
            stderr: redact(tail(stderrText, MAX_STDERR_IN_ERROR), secrets),
            // No `cause`: execFile's error repeats the full command line in `cmd`,
            // passwords included, and test runners print causes.
          }),
        );
      },
    );
  });
}

type ExecFileFailure = Error & { code?: number | string | null; killed?: boolean; signal?: NodeJS.Signals | null };

function describeOutcome(failure: ExecFileFailure, timeoutMs: number): string {
  if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'wrote more output than the harness keeps and was killed';
  if (typeof failure.code === 'string') return `could not start (${failure.code})`;
  if (typeof failure.code === 'number') return `failed with exit code ${failure.code}`;
  // execFile sets `killed` on a process it killed itself, which here only the time-out does.
  if (failure.killed === true) return `timed out after ${timeoutMs} ms`;
  return `was killed by ${failure.signal ?? 'a signal'}`;
}

/** Replaces every occurrence of each secret by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

function tail(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `…${text.slice(text.length - maxLength)}`;
}
