/**
 * Runs skopeo 1.9 as a user's shell script would, against the plain-HTTP
 * loopback registries of the benchmark, and counts its requests through a
 * counting proxy when asked.
 */
import { findTool, runTool } from '../../test/support/tools.js';
import type { BenchContext, RegistryRole } from './context.js';
import type { RequestCounts } from './counting-dispatcher.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

/** Time a skopeo copy may take before it is killed, for large layers on a loaded machine. */
const SKOPEO_TIMEOUT_MS = 600_000;

/** The flags skopeo needs for a plain-HTTP loopback registry without auth. */
export function plainHttp(prefix: '' | 'src-' | 'dest-'): string[] {
  return [`--${prefix}tls-verify=false`, `--${prefix}no-creds`];
}

/** Runs `skopeo --insecure-policy ARGS` and returns its stdout. */
export async function skopeo(args: readonly string[]): Promise<string> {
  const binary = await findTool('skopeo');
  const { stdout } = await runTool(binary, ['--insecure-policy', ...args], { timeoutMs: SKOPEO_TIMEOUT_MS });
  return stdout.toString('utf8');
}

/**
 * Runs skopeo under `/usr/bin/time -f %M` and returns its stdout and peak
 * resident set size in MiB. GNU time reports the maximum RSS in KiB.
 */
export async function skopeoWithPeakRss(args: readonly string[]): Promise<{ stdout: string; peakRssMib: number }> {
  const binary = await findTool('skopeo');
  const time = await findTool('time');
  const { stdout, stderr } = await runTool(time, ['-f', 'peak-rss-kib=%M', binary, '--insecure-policy', ...args], { timeoutMs: SKOPEO_TIMEOUT_MS });
  const match = /peak-rss-kib=(\d+)/.exec(stderr);
  return { stdout: stdout.toString('utf8'), peakRssMib: match === null ? Number.NaN : Number(match[1]) / 1024 };
}

/** Returns a counting proxy in front of the registry of `role`, started once per run. */
export function countingProxy(context: BenchContext, role: RegistryRole): Promise<CountingProxy> {
  return context.shared(`proxy ${role}`, async () => {
    const registry = await context.registry(role);
    const proxy = await startCountingProxy(registry.host);
    context.onClose(() => proxy.stop());
    return proxy;
  });
}

/**
 * Runs `work` once with the host of a counting proxy in front of the main
 * registry and returns the requests it sent. The proxy adds a hop, so
 * counted runs are never timed.
 */
export async function countThroughProxy(context: BenchContext, work: (host: string) => Promise<unknown>): Promise<RequestCounts> {
  const proxy = await countingProxy(context, 'main');
  proxy.reset();
  await work(proxy.host);
  return proxy.counts();
}
