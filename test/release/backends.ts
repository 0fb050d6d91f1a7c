/**
 * The two registries the release integration tests run against: CNCF
 * Distribution (`docker-registry`) and the embedded in-memory registry. Both
 * are started on a free loopback port per suite, and skopeo reads them back.
 */
import { afterAll, beforeAll } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { startMemoryRegistry, type MemoryRegistry } from '../../src/testing/index.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { registryTarget, skopeoDigest, skopeoListTags, type SkopeoTarget } from '../support/skopeo.js';

export type BackendKind = 'distribution' | 'memory';

/** A started registry and what the tests need of it. */
export interface Backend {
  kind: BackendKind;
  /** `127.0.0.1:PORT`, the registry part of references. */
  host: string;
  /** What skopeo needs to reach it (plain HTTP, no credentials). */
  target: SkopeoTarget;
  /** A client for this registry; closed with the backend. */
  client: RegistryClient;
}

/** Starts a registry of `kind` in `beforeAll` and stops it in `afterAll`; returns a getter. */
export function useBackend(kind: BackendKind): () => Backend {
  let distribution: Distribution | undefined;
  let memory: MemoryRegistry | undefined;
  let backend: Backend | undefined;

  beforeAll(async () => {
    if (kind === 'distribution') {
      distribution = await startDistribution();
      backend = { kind, host: distribution.host, target: registryTarget(distribution), client: new RegistryClient() };
    } else {
      memory = await startMemoryRegistry();
      backend = { kind, host: memory.host, target: {}, client: new RegistryClient() };
    }
  });

  afterAll(async () => {
    await backend?.client.close();
    await distribution?.stop();
    await memory?.close();
  });

  return () => {
    if (backend === undefined) {
      throw new Error('the registry is not running: call the getter inside a test or hook');
    }
    return backend;
  };
}

/**
 * Reads every tag of `repository` and its digest with skopeo, independently
 * of tagkeeper's client, sorted by tag.
 */
export async function skopeoTagMap(backend: Backend, repository: string): Promise<Record<string, string>> {
  const tags = await skopeoListTags(`docker://${backend.host}/${repository}`, backend.target);
  const entries: Array<[string, string]> = [];
  for (const tag of [...tags].sort()) {
    entries.push([tag, await skopeoDigest(`docker://${backend.host}/${repository}:${tag}`, backend.target)]);
  }
  return Object.fromEntries(entries);
}

/** Sorts the keys of a tag map, so it compares equal to {@link skopeoTagMap}. */
export function sortedTags(tags: Record<string, string>): Record<string, string> {
  const keys = Object.keys(tags).sort();
  return Object.fromEntries(keys.map((key) => [key, tags[key] as string]));
}
