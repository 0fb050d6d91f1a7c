import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { runningServerCount, spawnServer, stopServer } from '../support/processes.js';
import { removeStaleTempDirs } from '../support/temp.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'start-registry.ts');

/** True while `pid` runs; a zombie waiting to be reaped counts as gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isRunning(pid);
}

/** Runs the fixture in a separate Node process and returns it with the registry it started. */
async function startRegistryInChild(mode: 'wait' | 'exit') {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  while (!output.includes('\n')) {
    const [chunk] = (await once(child.stdout, 'data')) as [string];
    output += chunk;
  }
  return { child, registry: JSON.parse(output) as { pid: number; storage: string } };
}

describe('stopServer', () => {
  it('stops a server with SIGTERM', async () => {
    const server = spawnServer('/bin/sleep', ['30'], process.env);

    await stopServer(server);

    expect((await server.exited).signal).toBe('SIGTERM');
    expect(runningServerCount()).toBe(0);
  });

  it('kills a server that ignores SIGTERM after the grace period', async () => {
    const server = spawnServer('/bin/sh', ['-c', "trap '' TERM; exec sleep 30"], process.env);
    await new Promise((resolve) => setTimeout(resolve, 100));

    await stopServer(server, 200);

    expect((await server.exited).signal).toBe('SIGKILL');
  });

  it('returns at once for a server that already exited', async () => {
    const server = spawnServer('/bin/true', [], process.env);
    await server.exited;

    await stopServer(server);

    expect((await server.exited).code).toBe(0);
  });

  it('keeps the end of stderr for diagnosis', async () => {
    const server = spawnServer('/bin/sh', ['-c', 'echo "listen tcp: address already in use" >&2; exit 1'], process.env);

    expect((await server.exited).code).toBe(1);
    expect(server.stderr()).toContain('address already in use');
  });
});

describe('registry cleanup', () => {
  it('kills the registry when its test process is killed', async () => {
    const { child, registry } = await startRegistryInChild('wait');
    expect(isRunning(registry.pid)).toBe(true);

    child.kill('SIGKILL');
    await once(child, 'exit');

    expect(await waitUntilGone(registry.pid, 5000)).toBe(true);
  });

  it('removes the folders of a killed test process on the next sweep', async () => {
    const { child, registry } = await startRegistryInChild('wait');
    child.kill('SIGKILL');
    await once(child, 'exit');
    const registryRoot = path.dirname(registry.storage);

    await removeStaleTempDirs();

    // A sweep in a parallel test worker may have removed it first, which is equally fine.
    expect(existsSync(registryRoot)).toBe(false);
  });

  it('keeps the folders of running processes', async () => {
    const sleeper = spawn('/bin/sleep', ['30']);
    const exited = spawn('/bin/true');
    await once(exited, 'exit');
    const live = path.join(tmpdir(), `tagkeeper-sweep-test-${sleeper.pid}-abcdef`);
    const stale = path.join(tmpdir(), `tagkeeper-sweep-test-${exited.pid}-abcdef`);
    try {
      await mkdir(live);
      await mkdir(stale);

      await removeStaleTempDirs();

      expect(existsSync(live)).toBe(true);
      expect(existsSync(stale)).toBe(false);
    } finally {
      sleeper.kill();
      await rm(live, { recursive: true, force: true });
      await rm(stale, { recursive: true, force: true });
    }
  });

  it('kills the registry and removes storage when its test process exits', async () => {
    const { child, registry } = await startRegistryInChild('exit');
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
    expect(await waitUntilGone(registry.pid, 5000)).toBe(true);
    expect(existsSync(registry.storage)).toBe(false);
  });
});
