import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { runningServerCount, spawnServer, stopServer } from '../support/processes.js';

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

  it('kills the registry and removes storage when its test process exits', async () => {
    const { child, registry } = await startRegistryInChild('exit');
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
    expect(await waitUntilGone(registry.pid, 5000)).toBe(true);
    expect(existsSync(registry.storage)).toBe(false);
  });
});
