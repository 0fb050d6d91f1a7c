/**
 * An in-process AuditRegistry for unit tests: repositories of tags,
 * manifests and config blobs in maps, a count of every call, and switches
 * that deny a repository, fail one tag or turn the catalog off.
 */
import { createHash } from 'node:crypto';
import type { AuditManifest, AuditRegistry, ManifestDescriptor, RepositoryName } from '../../src/audit/ports.js';
import { AuthenticationError, NotFoundError, RegistryError } from '../../src/registry/errors.js';
import type { Manifest } from '../../src/registry/manifest-schemas.js';
import type { Reference } from '../../src/registry/reference.js';
import { MediaType } from '../../src/registry/wire.js';

export type FakeMethod = 'listRepositories' | 'listTags' | 'headManifest' | 'getManifest' | 'getBlob';

/** The config fields a fake image sets. */
export interface FakeImageSpec {
  /** `config.User`; omitted means the config sets no user. */
  user?: string;
  /** `created`, an RFC 3339 time; omitted means none. */
  created?: string;
  /** Makes two images with the same user and time differ. */
  seed?: string;
  platform?: { os: string; architecture: string; variant?: string };
}

interface StoredManifest {
  mediaType: string;
  manifest: Manifest;
  size: number;
}

interface FakeRepository {
  tags: Map<string, string>;
}

export function sha256(text: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export class FakeAuditRegistry implements AuditRegistry {
  /** Calls by method, counted as they start. */
  readonly calls: Record<FakeMethod, number> = { listRepositories: 0, listTags: 0, headManifest: 0, getManifest: 0, getBlob: 0 };
  /** Targets of every call, such as `headManifest reg.test/app:3`. */
  readonly log: string[] = [];
  /** Maximum number of calls in flight at once. */
  maxInFlight = 0;
  /** Repositories whose tag listing is denied (403 DENIED). */
  readonly denied = new Set<string>();
  /** `registry/repository:tag` whose HEAD fails with 404, as if the tag was deleted after listing. */
  readonly vanishedTags = new Set<string>();
  /** Registries that answer `/v2/_catalog` with 404. */
  readonly withoutCatalog = new Set<string>();

  private inFlight = 0;
  private readonly repositories = new Map<string, FakeRepository>();
  private readonly manifests = new Map<string, StoredManifest>();
  private readonly blobs = new Map<string, Uint8Array>();

  /** Stores a single-platform image and returns its manifest digest. */
  addImage(spec: FakeImageSpec = {}): string {
    const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
    const config = {
      ...(spec.created === undefined ? {} : { created: spec.created }),
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant === undefined ? {} : { variant: platform.variant }),
      config: spec.user === undefined ? {} : { User: spec.user },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created_by: `seed ${spec.seed ?? ''}` }],
    };
    const configBytes = new TextEncoder().encode(JSON.stringify(config));
    const configDigest = sha256(configBytes);
    this.blobs.set(configDigest, configBytes);
    return this.addManifest(MediaType.ociManifest, {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
      layers: [],
    });
  }

  /** Stores an index of `images` (digests from `addImage`) and returns its digest. */
  addIndex(images: Array<{ digest: string; platform: { os: string; architecture: string; variant?: string } }>, extra: Manifest['annotations'] = undefined): string {
    return this.addManifest(MediaType.ociIndex, {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: images.map((image) => ({
        mediaType: MediaType.ociManifest,
        digest: image.digest,
        size: this.manifests.get(image.digest)?.size ?? 0,
        platform: image.platform,
      })),
      ...(extra === undefined ? {} : { annotations: extra }),
    } as Manifest);
  }

  /** Stores any manifest document and returns its digest. */
  addManifest(mediaType: string, manifest: Manifest): string {
    const bytes = JSON.stringify(manifest);
    const digest = sha256(bytes);
    this.manifests.set(digest, { mediaType, manifest, size: Buffer.byteLength(bytes) });
    return digest;
  }

  /** Stores a raw blob under its digest, for configs that are not valid JSON. */
  addBlob(bytes: Uint8Array): string {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  /** Points `tag` of `repository` (`registry/repository`) at `digest`, creating the repository. */
  tag(repository: string, tag: string, digest: string): this {
    this.repository(repository).tags.set(tag, digest);
    return this;
  }

  /** Deletes `tag` from `repository`. */
  untag(repository: string, tag: string): this {
    this.repository(repository).tags.delete(tag);
    return this;
  }

  /** Deletes `repository` with all its tags, so listing it returns 404 NAME_UNKNOWN. */
  removeRepository(repository: string): this {
    this.repositories.delete(repository);
    return this;
  }

  /** Points every tag of `tags` at `digest`. */
  tagAll(repository: string, tags: readonly string[], digest: string): this {
    for (const tag of tags) {
      this.tag(repository, tag, digest);
    }
    return this;
  }

  async listRepositories(registry: string): Promise<string[]> {
    return this.call('listRepositories', registry, () => {
      if (this.withoutCatalog.has(registry)) {
        throw new NotFoundError({ method: 'GET', url: `http://${registry}/v2/_catalog?n=1000`, status: 404, reference: `${registry} catalog` });
      }
      return [...this.repositories.keys()]
        .filter((key) => key.startsWith(`${registry}/`))
        .map((key) => key.slice(registry.length + 1));
    });
  }

  async listTags(repository: RepositoryName): Promise<string[]> {
    const name = `${repository.registry}/${repository.repository}`;
    return this.call('listTags', name, () => {
      if (this.denied.has(name)) {
        throw new AuthenticationError({
          method: 'GET',
          url: `http://${repository.registry}/v2/${repository.repository}/tags/list`,
          status: 403,
          errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
          reference: name,
        });
      }
      const stored = this.repositories.get(name);
      if (!stored) {
        throw new NotFoundError({
          method: 'GET',
          url: `http://${repository.registry}/v2/${repository.repository}/tags/list`,
          status: 404,
          errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }],
          reference: name,
        });
      }
      return [...stored.tags.keys()];
    });
  }

  async headManifest(reference: Reference): Promise<ManifestDescriptor> {
    const shown = `${reference.registry}/${reference.repository}:${reference.tag ?? ''}`;
    return this.call('headManifest', shown, () => {
      const digest = this.repositories.get(`${reference.registry}/${reference.repository}`)?.tags.get(reference.tag ?? '');
      const stored = digest === undefined ? undefined : this.manifests.get(digest);
      if (digest === undefined || stored === undefined || this.vanishedTags.has(shown)) {
        throw new NotFoundError({
          method: 'HEAD',
          url: `http://${reference.registry}/v2/${reference.repository}/manifests/${reference.tag ?? ''}`,
          status: 404,
          reference: shown,
        });
      }
      return { mediaType: stored.mediaType, digest, size: stored.size };
    });
  }

  async getManifest(reference: Reference): Promise<AuditManifest> {
    const digest = reference.digest ?? '';
    return this.call('getManifest', `${reference.registry}/${reference.repository}@${digest}`, () => {
      const stored = this.manifests.get(digest);
      if (!stored) {
        throw new NotFoundError({
          method: 'GET',
          url: `http://${reference.registry}/v2/${reference.repository}/manifests/${digest}`,
          status: 404,
          reference: digest,
        });
      }
      return { descriptor: { mediaType: stored.mediaType, digest, size: stored.size }, manifest: stored.manifest };
    });
  }

  async getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array> {
    return this.call('getBlob', `${repository.registry}/${repository.repository}@${digest}`, () => {
      const bytes = this.blobs.get(digest);
      if (!bytes) {
        throw new RegistryError({
          method: 'GET',
          url: `http://${repository.registry}/v2/${repository.repository}/blobs/${digest}`,
          status: 404,
          errors: [{ code: 'BLOB_UNKNOWN' }],
        });
      }
      return bytes;
    });
  }

  private repository(name: string): FakeRepository {
    let stored = this.repositories.get(name);
    if (!stored) {
      stored = { tags: new Map() };
      this.repositories.set(name, stored);
    }
    return stored;
  }

  private async call<T>(method: FakeMethod, target: string, run: () => T): Promise<T> {
    this.calls[method] += 1;
    this.log.push(`${method} ${target}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // One macrotask per call, so concurrent calls overlap as they would on a network.
      await new Promise((resolve) => setImmediate(resolve));
      return run();
    } finally {
      this.inFlight -= 1;
    }
  }
}
