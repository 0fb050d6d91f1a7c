/**
 * The registry reads of one audit run: every request waits for a slot of one
 * queue shared by the whole run, and manifests and image configs are fetched
 * once per digest, however many tags and repositories share them.
 */
import type { Manifest } from '../registry/manifest-schemas.js';
import type { Reference } from '../registry/reference.js';
import { ConcurrencyLimit } from '../release/concurrency.js';
import { ImageConfig, type ConfigSource } from './image-config.js';
import type { AuditRegistry, ManifestDescriptor, RepositoryName } from './ports.js';
import { InvalidConfigError } from './errors.js';

/** Default number of registry requests an audit keeps in flight. */
export const DEFAULT_AUDIT_CONCURRENCY = 8;

/** Counts of what a run has fetched, for progress output and tests. */
export interface FetchCounts {
  /** Requests finished, successful or not. */
  requests: number;
  /** Manifest reads served from the cache instead of the registry. */
  manifestCacheHits: number;
  /** Config reads served from the cache instead of the registry. */
  configCacheHits: number;
}

/** Cached, bounded access to an {@link AuditRegistry} for one audit run. */
export class AuditFetcher {
  readonly counts: FetchCounts = { requests: 0, manifestCacheHits: 0, configCacheHits: 0 };
  private readonly limit: ConcurrencyLimit;
  private readonly manifests = new Map<string, Promise<Manifest>>();
  private readonly configs = new Map<string, Promise<ImageConfig>>();

  constructor(
    private readonly registry: AuditRegistry,
    concurrency: number = DEFAULT_AUDIT_CONCURRENCY,
    /** Called after every finished request, for progress output. */
    private readonly onRequest: () => void = () => {},
  ) {
    this.limit = new ConcurrencyLimit(concurrency);
  }

  /** Lists the repositories of `registry` through the queue. */
  listRepositories(registry: string): Promise<string[]> {
    return this.send(() => this.registry.listRepositories(registry));
  }

  /** Lists the tags of `repository` through the queue. */
  listTags(repository: RepositoryName): Promise<string[]> {
    return this.send(() => this.registry.listTags(repository));
  }

  /** Sends HEAD for one tag through the queue; tags are not cached, because each is read once. */
  headManifest(reference: Reference): Promise<ManifestDescriptor> {
    return this.send(() => this.registry.headManifest(reference));
  }

  /** Returns a {@link ConfigSource} that reads manifests and configs from `repository`, cached by digest. */
  configSource(repository: RepositoryName): ConfigSource {
    return {
      manifest: (digest) => this.manifest(repository, digest),
      config: (digest) => this.config(repository, digest),
    };
  }

  /** Fetches the manifest with `digest` once per run; later calls share the first result. */
  manifest(repository: RepositoryName, digest: string): Promise<Manifest> {
    return this.cached(this.manifests, digest, 'manifestCacheHits', async () => {
      const fetched = await this.send(() => this.registry.getManifest({ ...repository, digest }));
      return fetched.manifest;
    });
  }

  /** Fetches and parses the image config with `digest` once per run. */
  config(repository: RepositoryName, digest: string): Promise<ImageConfig> {
    return this.cached(this.configs, digest, 'configCacheHits', async () => {
      const bytes = await this.send(() => this.registry.getBlob(repository, digest));
      return parseImageConfig(digest, bytes);
    });
  }

  private cached<T>(
    cache: Map<string, Promise<T>>,
    digest: string,
    hitCounter: 'manifestCacheHits' | 'configCacheHits',
    load: () => Promise<T>,
  ): Promise<T> {
    const existing = cache.get(digest);
    if (existing) {
      this.counts[hitCounter] += 1;
      return existing;
    }
    const loading = load();
    cache.set(digest, loading);
    // A failed read is not kept: another repository with the same digest may
    // be readable where this one was denied.
    loading.catch(() => cache.delete(digest));
    return loading;
  }

  private send<T>(request: () => Promise<T>): Promise<T> {
    return this.limit.run(async () => {
      try {
        return await request();
      } finally {
        this.counts.requests += 1;
        this.onRequest();
      }
    });
  }
}

function parseImageConfig(digest: string, bytes: Uint8Array): ImageConfig {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InvalidConfigError(digest, `it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = ImageConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidConfigError(digest, `${['config', ...(issue?.path ?? []).map(String)].join('.')} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}
