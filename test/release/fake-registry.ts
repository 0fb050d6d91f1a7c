/**
 * An in-process ReleaseRegistry for unit tests: repositories, tags,
 * manifests and blobs in maps, a log of every call, and hooks that fail a
 * chosen call or change the registry while a release runs.
 */
import { createHash } from 'node:crypto';
import type {
  CopyResult,
  FetchedManifest,
  ImageReference,
  ManifestDescriptor,
  ReleaseRegistry,
  RepositoryName,
} from '../../src/release/ports.js';
import { NotFoundError } from '../../src/registry/errors.js';
import { MediaType } from '../../src/registry/wire.js';

export type FakeMethod = 'listTags' | 'headManifest' | 'getManifest' | 'getBlob' | 'copyImage' | 'putManifest';

/** One call made to the fake, as `method target` (`putManifest reg/app:3`). */
export interface FakeCall {
  method: FakeMethod;
  target: string;
}

interface StoredManifest {
  bytes: Uint8Array;
  mediaType: string;
}

interface Repository {
  tags: Map<string, string>;
  manifests: Map<string, StoredManifest>;
  blobs: Map<string, Uint8Array>;
}

/** Thrown by an injected failure. */
export class InjectedFailure extends Error {
  constructor(readonly call: FakeCall) {
    super(`injected failure at ${call.method} ${call.target}`);
  }
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function repositoryKey(repository: RepositoryName): string {
  return `${repository.registry}/${repository.repository}`;
}

function describe(reference: ImageReference): string {
  return `${repositoryKey(reference)}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}

/** A single-platform image to add to the fake. */
export interface FakeImageSpec {
  layers: string[];
  config?: Record<string, unknown>;
  platform?: { os: string; architecture: string; variant?: string };
}

export class FakeReleaseRegistry implements ReleaseRegistry {
  readonly calls: FakeCall[] = [];
  private readonly repositories = new Map<string, Repository>();
  /** Called before each call runs; throw to fail it, or change the registry to simulate another writer. */
  beforeCall: ((call: FakeCall, index: number) => void) | undefined;
  /** Called after each call succeeded. */
  afterCall: ((call: FakeCall, index: number) => void) | undefined;

  private repository(name: RepositoryName): Repository {
    const key = repositoryKey(name);
    let repository = this.repositories.get(key);
    if (!repository) {
      repository = { tags: new Map(), manifests: new Map(), blobs: new Map() };
      this.repositories.set(key, repository);
    }
    return repository;
  }

  private record(method: FakeMethod, target: string): FakeCall {
    const call = { method, target };
    const index = this.calls.length;
    this.calls.push(call);
    this.beforeCall?.(call, index);
    return call;
  }

  private done(call: FakeCall): void {
    this.afterCall?.(call, this.calls.indexOf(call));
  }

  /** Returns the calls that change the registry. */
  writes(): FakeCall[] {
    return this.calls.filter((call) => call.method === 'putManifest' || call.method === 'copyImage');
  }

  /** Stores a blob and returns its digest. */
  addBlob(repository: RepositoryName, content: string | Uint8Array): string {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    const digest = sha256(bytes);
    this.repository(repository).blobs.set(digest, bytes);
    return digest;
  }

  /** Stores a manifest (without checking its blobs) and returns its digest. */
  addManifest(repository: RepositoryName, manifest: object, mediaType: string): string {
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256(bytes);
    this.repository(repository).manifests.set(digest, { bytes, mediaType });
    return digest;
  }

  /** Builds and stores a single-platform OCI image and returns its manifest digest. */
  addImage(repository: RepositoryName, spec: FakeImageSpec): string {
    const config = {
      architecture: spec.platform?.architecture ?? 'amd64',
      os: spec.platform?.os ?? 'linux',
      rootfs: { type: 'layers', diff_ids: spec.layers.map((layer) => sha256(Buffer.from(layer))) },
      ...spec.config,
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: this.addBlob(repository, configBytes), size: configBytes.length },
      layers: spec.layers.map((layer) => ({
        mediaType: MediaType.ociLayerTar,
        digest: this.addBlob(repository, layer),
        size: Buffer.byteLength(layer),
      })),
    };
    return this.addManifest(repository, manifest, MediaType.ociManifest);
  }

  /** Builds and stores an OCI index of the given platform images and returns its digest. */
  addIndex(repository: RepositoryName, images: FakeImageSpec[]): string {
    const manifests = images.map((image) => {
      const digest = this.addImage(repository, image);
      const stored = this.repository(repository).manifests.get(digest) as StoredManifest;
      return {
        mediaType: MediaType.ociManifest,
        digest,
        size: stored.bytes.length,
        platform: image.platform ?? { os: 'linux', architecture: 'amd64' },
      };
    });
    return this.addManifest(repository, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, MediaType.ociIndex);
  }

  /** Points `tag` to `digest` directly, as another writer would. */
  setTag(repository: RepositoryName, tag: string, digest: string): void {
    this.repository(repository).tags.set(tag, digest);
  }

  /** Returns the tags of `repository` with their digests, sorted by tag. */
  tagMap(repository: RepositoryName): Record<string, string> {
    const tags = this.repositories.get(repositoryKey(repository))?.tags ?? new Map<string, string>();
    return Object.fromEntries([...tags.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  async listTags(repository: RepositoryName): Promise<string[]> {
    const call = this.record('listTags', repositoryKey(repository));
    const tags = [...(this.repositories.get(repositoryKey(repository))?.tags.keys() ?? [])];
    this.done(call);
    return tags;
  }

  async headManifest(reference: ImageReference): Promise<ManifestDescriptor | undefined> {
    const call = this.record('headManifest', describe(reference));
    const found = this.lookup(reference);
    this.done(call);
    if (!found) {
      return undefined;
    }
    return { digest: found.digest, mediaType: found.manifest.mediaType, size: found.manifest.bytes.length };
  }

  async getManifest(reference: ImageReference): Promise<FetchedManifest> {
    const call = this.record('getManifest', describe(reference));
    const found = this.lookup(reference);
    if (!found) {
      throw new NotFoundError({ method: 'GET', url: `/v2/${reference.repository}/manifests/x`, status: 404, reference: describe(reference) });
    }
    this.done(call);
    return {
      descriptor: { digest: found.digest, mediaType: found.manifest.mediaType, size: found.manifest.bytes.length },
      bytes: found.manifest.bytes,
    };
  }

  async getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array> {
    const call = this.record('getBlob', `${repositoryKey(repository)}@${digest}`);
    const blob = this.repositories.get(repositoryKey(repository))?.blobs.get(digest);
    if (!blob) {
      throw new NotFoundError({ method: 'GET', url: `/v2/${repository.repository}/blobs/${digest}`, status: 404 });
    }
    this.done(call);
    return blob;
  }

  async copyImage(source: ImageReference, target: RepositoryName): Promise<CopyResult> {
    const call = this.record('copyImage', `${describe(source)} -> ${repositoryKey(target)}`);
    const found = this.lookup(source);
    if (!found) {
      throw new NotFoundError({ method: 'GET', url: `/v2/${source.repository}/manifests/x`, status: 404, reference: describe(source) });
    }
    const from = this.repository(source);
    const to = this.repository(target);
    let blobsCopied = 0;
    const copyManifest = (digest: string): void => {
      const manifest = from.manifests.get(digest) as StoredManifest;
      const parsed = JSON.parse(Buffer.from(manifest.bytes).toString()) as {
        manifests?: Array<{ digest: string }>;
        config?: { digest: string };
        layers?: Array<{ digest: string }>;
      };
      for (const child of parsed.manifests ?? []) {
        copyManifest(child.digest);
      }
      for (const blob of [parsed.config, ...(parsed.layers ?? [])]) {
        if (blob && !to.blobs.has(blob.digest)) {
          to.blobs.set(blob.digest, from.blobs.get(blob.digest) as Uint8Array);
          blobsCopied += 1;
        }
      }
      to.manifests.set(digest, manifest);
    };
    copyManifest(found.digest);
    this.done(call);
    return { digest: found.digest, blobsCopied };
  }

  async putManifest(reference: ImageReference, bytes: Uint8Array, mediaType: string): Promise<string> {
    const call = this.record('putManifest', describe(reference));
    const repository = this.repository(reference);
    const digest = sha256(bytes);
    repository.manifests.set(digest, { bytes, mediaType });
    if (reference.tag !== undefined) {
      repository.tags.set(reference.tag, digest);
    }
    this.done(call);
    return digest;
  }

  private lookup(reference: ImageReference): { digest: string; manifest: StoredManifest } | undefined {
    const repository = this.repositories.get(repositoryKey(reference));
    if (!repository) {
      return undefined;
    }
    const digest = reference.digest ?? (reference.tag === undefined ? undefined : repository.tags.get(reference.tag));
    if (digest === undefined) {
      return undefined;
    }
    const manifest = repository.manifests.get(digest);
    return manifest ? { digest, manifest } : undefined;
  }
}

/** Makes `beforeCall` throw an {@link InjectedFailure} at the `failAt`-th call (0-based) that matches `filter`. */
export function failAtCall(registry: FakeReleaseRegistry, failAt: number, filter: (call: FakeCall) => boolean = () => true): void {
  let seen = 0;
  registry.beforeCall = (call) => {
    if (!filter(call)) {
      return;
    }
    if (seen === failAt) {
      seen += 1;
      throw new InjectedFailure(call);
    }
    seen += 1;
  };
}
