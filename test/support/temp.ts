import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Folders made by {@link makeTempDir} and not yet removed, which the exit hook removes. */
const pending = new Set<string>();
let exitHookInstalled = false;

/**
 * Creates an empty folder under the system temp folder, named
 * `tagkeeper-<purpose>-XXXXXX`. {@link removeDir} removes it, or else the exit hook
 * does when the test process exits normally.
 */
export async function makeTempDir(purpose: string): Promise<string> {
  installExitHook();
  const dir = await mkdtemp(path.join(tmpdir(), `tagkeeper-${purpose}-`));
  pending.add(dir);
  return dir;
}

/** Removes a folder and everything in it. A folder already gone is fine. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  pending.delete(dir);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  });
}
