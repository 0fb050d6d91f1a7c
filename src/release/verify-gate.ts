/**
 * The release gate: a shell command that runs after the image is in the target
 * repository and before any tag is written. A non-zero exit blocks the release.
 */
import { spawn } from 'node:child_process';
import { VerifyFailedError } from './errors.js';

/** Facts about the release given to the gate, as environment variables or as the argument of a function gate. */
export interface VerifyGateContext {
  /** Digest of the image in the target repository. */
  digest: string;
  /** `registry/repository@digest` of the image in the target repository. */
  reference: string;
  /** The immutable tag the release will create. */
  immutableTag: string;
  /** The plan in its `--json` form, serialized. */
  planJson: string;
}

/** A gate command and how to run it. */
export interface VerifyCommand {
  /** Command line run through `/bin/sh -c`. */
  command: string;
  /** Maximum run time in ms; the command's process group is killed after it. Default: no limit. */
  timeoutMs?: number;
  /** Receives the command's stdout and stderr as they arrive; default: discarded (the error keeps the tail). */
  onOutput?: (chunk: string) => void;
  /** Extra environment; the `TAGKEEPER_*` variables are set on top of it and of `process.env`. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Number of output characters kept for the error message of a failed gate. */
const OUTPUT_TAIL_CHARS = 4096;

/**
 * Runs the gate command with `TAGKEEPER_DIGEST`, `TAGKEEPER_REFERENCE`,
 * `TAGKEEPER_IMMUTABLE_TAG` and `TAGKEEPER_PLAN` in its environment.
 *
 * @throws VerifyFailedError when the command exits non-zero, is killed by a
 *   signal, times out or cannot be started.
 */
export async function runVerifyCommand(gate: VerifyCommand, context: VerifyGateContext): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...gate.env,
    TAGKEEPER_DIGEST: context.digest,
    TAGKEEPER_REFERENCE: context.reference,
    TAGKEEPER_IMMUTABLE_TAG: context.immutableTag,
    TAGKEEPER_PLAN: context.planJson,
  };

  // A process group of its own, so a time-out ends the shell and every child it started.
  const child = spawn(gate.command, {
    shell: true,
    env,
    cwd: gate.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

  let tail = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    gate.onOutput?.(text);
    tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let timedOut = false;
  const timer =
    gate.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup(child.pid);
        }, gate.timeoutMs);

  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  if (timer !== undefined) {
    clearTimeout(timer);
  }

  if (outcome.error) {
    throw new VerifyFailedError(gate.command, undefined, `could not start: ${outcome.error.message}`, tail, context.digest);
  }
  if (timedOut) {
    throw new VerifyFailedError(gate.command, undefined, `timed out after ${gate.timeoutMs} ms`, tail, context.digest);
  }
  if (outcome.signal !== null) {
    throw new VerifyFailedError(gate.command, undefined, `was ended by ${outcome.signal}`, tail, context.digest);
  }
  if (outcome.code !== 0) {
    throw new VerifyFailedError(gate.command, outcome.code ?? undefined, undefined, tail, context.digest);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group has already exited.
  }
}
