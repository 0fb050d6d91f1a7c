/**
 * Shared pieces of the fault suites: the faults every operation is run
 * under, a client that retries fast and times out early, and reads of a
 * repository's tags through skopeo, independently of tagkeeper.
 */
import { isTagkeeperError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { Fault } from '../support/fault-proxy.js';
import { skopeoDigest, skopeoListTags } from '../support/skopeo.js';

/** Time a slow response waits, well past {@link HEADERS_TIMEOUT_MS}. */
export const SLOW_ANSWER_MS = 1500;

/** Time the fault client waits for response headers before it gives up and retries. */
export const HEADERS_TIMEOUT_MS = 400;

/** The part of a request a fault acts on: its status and connection, or the body of its response. */
export type FaultTarget = 'request' | 'body' | 'digested-body';

/** One fault of the table every operation is run under. */
export interface FaultCase {
  name: string;
  fault: Fault;
  /** Which request of an operation it is injected into. */
  target: FaultTarget;
}

/** Every fault of the proxy that a registry or the network can cause. */
export const FAULT_CASES: readonly FaultCase[] = [
  { name: '429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: '1' }, target: 'request' },
  { name: '429 without Retry-After', fault: { kind: 'status', status: 429 }, target: 'request' },
  { name: '500', fault: { kind: 'status', status: 500 }, target: 'request' },
  { name: '502', fault: { kind: 'status', status: 502 }, target: 'request' },
  { name: '503', fault: { kind: 'status', status: 503 }, target: 'request' },
  { name: 'reset before the body', fault: { kind: 'reset-before-body' }, target: 'request' },
  { name: 'reset after the body', fault: { kind: 'reset-after-body' }, target: 'request' },
  { name: 'slow answer', fault: { kind: 'delay', delayMs: SLOW_ANSWER_MS }, target: 'request' },
  { name: 'truncated body', fault: { kind: 'truncate-body' }, target: 'body' },
  { name: 'altered body', fault: { kind: 'corrupt-body' }, target: 'digested-body' },
];

/** Creates a client for requests through the proxy: fast retries, short time-outs, no credential files. */
export function faultClient(): RegistryClient {
  return new RegistryClient({
    credentials: { get: async () => undefined },
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    timeouts: { headersMs: HEADERS_TIMEOUT_MS, bodyMs: HEADERS_TIMEOUT_MS },
    env: {},
  });
}

/** What an operation under a fault ended with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `operation` and keeps its result or error. */
export async function settle<T>(operation: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Describes an error for an assertion message, so a failing check shows
 * what was thrown instead of `expected false to be true`.
 */
export function describeError(error: unknown): string {
  if (isTagkeeperError(error)) {
    return `${error.name} ${error.code}: ${error.message}`;
  }
  return `untyped ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`;
}

/** Reads every tag of `host/repository` and its digest with skopeo; an absent repository has none. */
export async function tagDigests(host: string, repository: string): Promise<Record<string, string>> {
  let tags: string[];
  try {
    tags = await skopeoListTags(`docker://${host}/${repository}`);
  } catch {
    return {};
  }
  const entries = await Promise.all(tags.sort().map(async (tag) => [tag, await skopeoDigest(`docker://${host}/${repository}:${tag}`)] as const));
  return Object.fromEntries(entries);
}

/**
 * Returns the tags whose digest is neither the one before nor the one after
 * an operation, or that exist in neither state. An empty list means the
 * registry holds, tag by tag, the old state or the new one.
 */
export function tagsOutsideStates(
  actual: Record<string, string>,
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  return Object.entries(actual)
    .filter(([tag, digest]) => before[tag] !== digest && after[tag] !== digest)
    .map(([tag, digest]) => `${tag} -> ${digest}`);
}
