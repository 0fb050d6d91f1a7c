/**
 * Temp folders of the harness, named `tagkeeper-<purpose>-<pid>-XXXXXX` after
 * the process that made them, so folders left by a killed test process can be
 * recognized and removed by the next one.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Folders made by {@link makeTempDir} and not yet removed, which the exit hook removes. */
const pending = new Set<string>();
let exitHookInstalled = false;
let staleSweep: Promise<void> | undefined;

const TEMP_DIR_PATTERN = /^tagkeeper-[a-z0-9-]+?-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Creates an empty folder under the system temp folder. {@link removeDir}
 * removes it, or else the exit hook does when the test process exits
 * normally. The first call also removes folders of dead test processes.
 */
export async function makeTempDir(purpose: string): Promise<string> {
  installExitHook();
  staleSweep ??= removeStaleTempDirs().then(() => undefined);
  await staleSweep;

  const dir = await mkdtemp(path.join(tmpdir(), `tagkeeper-${purpose}-${process.pid}-`));
  pending.add(dir);
  return dir;
}

/** Removes a folder and everything in it. A folder already gone is fine. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  pending.delete(dir);
}

/**
 * Removes the harness temp folders whose process no longer runs, such as
 * those of a test process killed by SIGKILL, which runs no exit hook.
 * Returns the folders removed.
 */
export async function removeStaleTempDirs(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmpdir())) {
    const owner = Number(TEMP_DIR_PATTERN.exec(name)?.[1]);
    if (!Number.isInteger(owner) || owner === process.pid || isProcessAlive(owner)) continue;

    const dir = path.join(tmpdir(), name);
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir);
    } catch {
      // The sweep is best effort: a folder of another user stays, and this test run is not affected.
    }
  }
  return removed;
}

/**
 * NOTE: a process id is only meaningful in this PID namespace, so containers
 * that share one temp folder but not their process ids may remove each
 * other's folders.
 */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  });
}
