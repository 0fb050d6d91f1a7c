/**
 * `tagkeeper publish` killed with SIGKILL at each manifest PUT of its plan,
 * then run again. The kill comes either before the PUT reaches the registry
 * or after the registry stored it but before the CLI heard back. Every tag
 * must hold its old or new digest after the kill, and the second run must
 * leave exactly the tags of a clean publish, without a second revision.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../src/registry/client.js';
import { publish } from '../../src/release/publish.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { tagDigests, tagsOutsideStates } from './scenario.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');
const MANIFEST_PUT = /\/manifests\/[^/?]+$/;
/** Kill runs in flight at once; each is a Node process. */
const PARALLEL_RUNS = 4;

const registry = useDistribution();
let layout: string;
let home: string;
let client: RegistryClient;
let base: BuiltImage;
let next: BuiltImage;

beforeAll(async () => {
  layout = await makeTempDir('faults-kill');
  home = await makeTempDir('faults-kill-home');
  client = new RegistryClient({ credentials: { get: async () => undefined }, env: {} });
  base = await buildImage(join(layout, 'oci'), 'base', { seed: 'kill-base' });
  next = await buildImage(join(layout, 'oci'), 'next', { seed: 'kill-next' });
  await pushImage(base, registry(), 'staging/app:base');
  await pushImage(next, registry(), 'staging/app:next');
}, 120_000);

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
  await removeDir(home);
});

/** Starts `tagkeeper publish` of build `next` as 1.0.1 into `repository` through `host`. */
function startPublish(host: string, repository: string): { child: ChildProcess; result: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  // One Node process with the tsx loader, so SIGKILL stops the publish itself. The tsx wrapper
  // command would run it in a child process that outlives the kill.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'publish', `${host}/staging/app:next`, `${host}/${repository}`, '--version', '1.0.1', '--distro', 'debian-12'],
    // A home without credential files, so the machine's logins take no part.
    { cwd: ROOT, env: { ...process.env, HOME: home, DOCKER_CONFIG: home, XDG_RUNTIME_DIR: home, TAGKEEPER_DEBUG: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, result };
}

async function prepare(repository: string): Promise<void> {
  await publish({ client, source: `${registry().host}/staging/app:base`, target: `${registry().host}/${repository}`, version: '1.0.0', distro: 'debian-12' });
}

const before = () => ({
  '1': base.digest,
  '1-debian-12': base.digest,
  '1.0.0': base.digest,
  '1.0.0-debian-12-r0': base.digest,
  latest: base.digest,
});
const after = () => ({
  ...before(),
  '1': next.digest,
  '1-debian-12': next.digest,
  '1.0.1': next.digest,
  '1.0.1-debian-12-r0': next.digest,
  latest: next.digest,
});

interface KillCase {
  put: number;
  forward: boolean;
}

interface KillReport {
  killCase: KillCase;
  killed: { code: number | null; signal: string | null };
  afterKill: Record<string, string>;
  rerun: { code: number | null; stderr: string };
  final: Record<string, string>;
}

/** Publishes through a fresh proxy, kills the CLI at manifest PUT number `put`, and publishes again. */
async function killAndRerun(killCase: KillCase): Promise<KillReport> {
  const repository = `acme/kill-${killCase.put}-${killCase.forward ? 'stored' : 'lost'}`;
  await prepare(repository);
  let running: ReturnType<typeof startPublish> | undefined;
  const proxy: FaultProxy = await startFaultProxy({
    upstream: registry().url,
    rules: [
      {
        name: 'kill',
        method: 'PUT',
        path: MANIFEST_PUT,
        nth: killCase.put,
        fault: {
          kind: 'intercept',
          forward: killCase.forward,
          onMatch: async () => {
            running?.child.kill('SIGKILL');
            await running?.result;
          },
        },
      },
    ],
  });
  try {
    running = startPublish(proxy.host, repository);
    const killed = await running.result;
    const afterKill = await tagDigests(registry().host, repository);

    proxy.setRules([]);
    const rerun = await startPublish(proxy.host, repository).result;
    const final = await tagDigests(registry().host, repository);
    return { killCase, killed, afterKill, rerun, final };
  } finally {
    await proxy.stop();
  }
}

/** Counts the manifest PUTs of a publish that nothing interrupts. */
async function countPlanPuts(): Promise<number> {
  await prepare('acme/kill-count');
  const proxy = await startFaultProxy({ upstream: registry().url, rules: [{ name: 'put', method: 'PUT', path: MANIFEST_PUT, nth: [], fault: { kind: 'reset-before-body' } }] });
  try {
    const run = await startPublish(proxy.host, 'acme/kill-count').result;
    expect(run.code, run.stderr).toBe(0);
    return proxy.matched().put ?? 0;
  } finally {
    await proxy.stop();
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const index = nextIndex;
      nextIndex += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('publish killed at each manifest PUT', () => {
  it(
    'leaves old or new tags, and a re-run finishes with one revision',
    async () => {
      const puts = await countPlanPuts();
      // The copy puts the image by digest, then the immutable tag and four rolling tags follow.
      expect(puts).toBe(6);

      const cases: KillCase[] = [];
      for (let put = 1; put <= puts; put += 1) {
        cases.push({ put, forward: false }, { put, forward: true });
      }
      const reports = await mapLimited(cases, PARALLEL_RUNS, killAndRerun);

      for (const report of reports) {
        const label = `killed at PUT ${report.killCase.put} (${report.killCase.forward ? 'after it was stored' : 'before it was sent'})`;
        expect(report.killed.signal, label).toBe('SIGKILL');
        expect(tagsOutsideStates(report.afterKill, before(), after()), label).toEqual([]);
        // A rolling tag that already moved points at a build that has its immutable name.
        if (Object.entries(report.afterKill).some(([tag, digest]) => tag !== '1.0.1-debian-12-r0' && digest === next.digest)) {
          expect(report.afterKill['1.0.1-debian-12-r0'], label).toBe(next.digest);
        }
        expect(report.rerun.code, `${label}: ${report.rerun.stderr}`).toBe(0);
        expect(report.final, label).toEqual(after());
      }
    },
    300_000,
  );
});
