/**
 * Shared state of one benchmark run: the registries it started, clients that
 * count their requests, and generated repositories, each created on first
 * use so `--only` starts and fills only what its scenarios need.
 */
import { RegistryClient } from '../../src/registry/client.js';
import { loadCredentialStore } from '../../src/registry/auth/credentials.js';
import type { TransportOptions } from '../../src/registry/transport/index.js';
import { startDistribution, type Distribution } from '../../test/support/distribution.js';
import { makeTempDir } from '../../test/support/temp.js';
import { createCountingDispatcher, type CountingDispatcher } from './counting-dispatcher.js';
import type { BenchOptions } from './options.js';
import { checkTags, uploadSeed, writeTags } from './registry-fill.js';
import { schemeLayoutWithRolling, type SchemeLayout } from './scheme-layout.js';

/** A generated repository and the digest of each of its builds. */
export interface FilledRepository {
  /** `host/name`. */
  repository: string;
  layout: SchemeLayout;
  /** Digest of each build, keyed by its immutable tag. */
  digests: Map<string, string>;
}

/** A registry client whose requests are counted. */
export interface CountedClient {
  client: RegistryClient;
  counter: CountingDispatcher;
  close(): Promise<void>;
}

/** Which registry of the run. */
export type RegistryRole = 'main' | 'token';

/** State shared by the scenarios of one run. */
export class BenchContext {
  private readonly registries = new Map<RegistryRole, Promise<Distribution>>();
  private readonly repositories = new Map<string, Promise<FilledRepository>>();
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly memo = new Map<string, Promise<unknown>>();
  private emptyHome: Promise<string> | undefined;

  constructor(readonly options: BenchOptions) {}

  /** Returns the registry of `role`, started on first use: `token` has token auth, the others none. */
  registry(role: RegistryRole): Promise<Distribution> {
    let started = this.registries.get(role);
    if (started === undefined) {
      started = startDistribution(role === 'token' ? { auth: 'token' } : {});
      this.registries.set(role, started);
      this.cleanups.push(async () => (await started)?.stop());
    }
    return started;
  }

  /**
   * Returns transport options for `registry`: its first user's credentials on a
   * registry with auth, and no credential files from this machine.
   */
  async transportOptions(registry: Distribution): Promise<TransportOptions> {
    // An empty home folder keeps this machine's Docker and Podman credential files out of the run.
    this.emptyHome ??= makeTempDir('bench-home');
    const homeDir = await this.emptyHome;
    const user = registry.users[0];
    const explicit = registry.auth === 'none' || user === undefined ? {} : { [registry.host]: { username: user.username, password: user.password } };
    return { credentials: loadCredentialStore({ explicit, env: {}, homeDir }), maxConnections: 16 };
  }

  /** Creates a client for `registry` whose requests are counted; the caller closes it. */
  async countedClient(registry: Distribution): Promise<CountedClient> {
    const counter = createCountingDispatcher(16);
    const client = new RegistryClient({ ...(await this.transportOptions(registry)), dispatcher: counter.dispatcher });
    return {
      client,
      counter,
      close: async () => {
        await client.close();
        await counter.close();
      },
    };
  }

  /**
   * Returns repository `name` in the registry of `role`, filled on first use
   * with a scheme layout of `rollingTags` version-level rolling tags.
   */
  schemeRepository(role: RegistryRole, name: string, rollingTags: number): Promise<FilledRepository> {
    const key = `${role} ${name} ${rollingTags}`;
    let filled = this.repositories.get(key);
    if (filled === undefined) {
      filled = this.fill(role, name, schemeLayoutWithRolling(rollingTags));
      this.repositories.set(key, filled);
    }
    return filled;
  }

  /** Fills `name` in the registry of `role` with `layout`. */
  async fill(role: RegistryRole, name: string, layout: SchemeLayout): Promise<FilledRepository> {
    const registry = await this.registry(role);
    const client = new RegistryClient(await this.transportOptions(registry));
    try {
      const repository = `${registry.host}/${name}`;
      const seed = await uploadSeed(client, repository);
      const digests = await writeTags(registry.storage, name, seed, layout.entries);
      const first = layout.entries[0];
      const last = layout.entries.at(-1);
      const sample = new Map([first, last].flatMap((entry) => (entry === undefined ? [] : [[entry.tag, digests.get(entry.build) as string] as const])));
      await checkTags(client, repository, sample);
      return { repository, layout, digests };
    } finally {
      await client.close();
    }
  }

  /** Returns the result of `compute`, run once per benchmark run under `key`, for work that two scenarios share. */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let result = this.memo.get(key);
    if (result === undefined) {
      result = compute();
      this.memo.set(key, result);
    }
    return result as Promise<T>;
  }

  /** Registers `cleanup` to run when the benchmark run ends, such as stopping a proxy. */
  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Stops every registry of the run and removes its files. */
  async close(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
  }
}
