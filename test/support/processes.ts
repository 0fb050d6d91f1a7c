/**
 * Starts and stops long-running server processes (the registry) so that none
 * outlives the test process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Processes started here and not yet seen to exit. */
const running = new Set<ChildProcess>();

let exitHookInstalled = false;

/**
 * `setpriv --pdeathsig KILL` (util-linux) makes the kernel kill the server when
 * the process that started it dies, even by SIGKILL, where no exit hook runs.
 */
const SETPRIV = '/usr/bin/setpriv';

/** A started server process and the stderr it has written so far. */
export interface ServerProcess {
  child: ChildProcess;
  /** stderr so far, capped at the last 64 KiB. */
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAX_STDERR_KEPT = 64 * 1024;

/**
 * Spawns `file` with `args`, records its stderr, and kills it when the test
 * process exits or dies.
 */
export function spawnServer(file: string, args: readonly string[], env: NodeJS.ProcessEnv): ServerProcess {
  installExitHook();

  const usePdeathsig = process.platform === 'linux' && existsSync(SETPRIV);
  const child = usePdeathsig
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(file, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);

  let stderr = '';
  const keep = (chunk: Buffer): void => {
    stderr += chunk.toString('utf8');
    if (stderr.length > MAX_STDERR_KEPT) stderr = stderr.slice(stderr.length - MAX_STDERR_KEPT);
  };
  child.stderr?.on('data', keep);
  // The registry logs to stderr. Reading stdout too keeps a full pipe from blocking it.
  child.stdout?.on('data', keep);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      keep(Buffer.from(`${error.message}\n`));
      running.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  return { child, stderr: () => stderr, exited };
}

/**
 * Stops a server: SIGTERM, then SIGKILL when it has not exited after
 * `graceMs` milliseconds. Resolves once the process has exited.
 */
export async function stopServer(server: ServerProcess, graceMs = 2000): Promise<void> {
  if (hasExited(server.child)) return;

  server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([server.exited, graceOver]);
  clearTimeout(timer);

  if (outcome === 'timeout') {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

/** Number of server processes started here that are still running. */
export function runningServerCount(): number {
  return running.size;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || !running.has(child);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous, so the children get SIGKILL at once.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
