/** Blob content, kept as the chunks it was uploaded in. */
export interface StoredBlob {
  digest: string;
  chunks: Buffer[];
  size: number;
}

/** A manifest as pushed: the exact bytes and what the registry needs to serve and list it. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** Digest of the `subject` descriptor, when the manifest refers to another one. */
  subject?: string;
  /** The artifact type listed by the referrers API: `artifactType`, else the config media type of an image manifest. */
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Child manifests of an index, with their platforms, for Accept negotiation. */
  children: Array<{ digest: string; os?: string; architecture?: string }>;
}

/** Content of one repository. Blobs are linked by digest to the registry-wide {@link MemoryStore.blobs}. */
export interface Repository {
  name: string;
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  /** Digest by tag. */
  tags: Map<string, string>;
  /** True once any tag was set, even if all were deleted since; Distribution then lists tags as `null` instead of 404. */
  everTagged: boolean;
}

/**
 * The registry's content in memory. Like CNCF Distribution, a blob is stored
 * once for the whole registry and is visible in a repository only after an
 * upload or a mount linked it there.
 */
export class MemoryStore {
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly repositories = new Map<string, Repository>();

  /** Returns the repository, or undefined when no blob or manifest was ever stored in it. */
  repository(name: string): Repository | undefined {
    return this.repositories.get(name);
  }

  /**
   * Names of the repositories that ever received a blob or a manifest, sorted.
   * Like CNCF Distribution 2.8, a repository stays listed after its content is deleted.
   */
  repositoryNames(): string[] {
    return [...this.repositories.keys()].sort(compareLexically);
  }

  /** Returns the blob when it is linked in `repository`. */
  blob(repository: string, digest: string): StoredBlob | undefined {
    return this.repositories.get(repository)?.blobs.has(digest) ? this.blobs.get(digest) : undefined;
  }

  /** Stores `blob` (or keeps the copy already stored) and links it in `repository`. */
  putBlob(repository: string, blob: StoredBlob): void {
    if (!this.blobs.has(blob.digest)) {
      this.blobs.set(blob.digest, blob);
    }
    this.ensureRepository(repository).blobs.add(blob.digest);
  }

  /** Links a blob that is already linked in `from` into `repository`; returns false when `from` has no such blob. */
  mountBlob(repository: string, from: string, digest: string): boolean {
    if (!this.blob(from, digest)) {
      return false;
    }
    this.ensureRepository(repository).blobs.add(digest);
    return true;
  }

  /** Unlinks the blob from `repository`; returns false when it was not linked there. */
  deleteBlob(repository: string, digest: string): boolean {
    const target = this.repositories.get(repository);
    if (!target?.blobs.delete(digest)) {
      return false;
    }
    this.dropUnlinkedBlobs();
    return true;
  }

  /** Returns the manifest that `tag` points to in `repository`. */
  manifestByTag(repository: string, tag: string): StoredManifest | undefined {
    const target = this.repositories.get(repository);
    const digest = target?.tags.get(tag);
    return digest === undefined ? undefined : target?.manifests.get(digest);
  }

  /** Returns the manifest with `digest` in `repository`. */
  manifestByDigest(repository: string, digest: string): StoredManifest | undefined {
    return this.repositories.get(repository)?.manifests.get(digest);
  }

  /** Stores `manifest` in `repository` and points `tag` at it when given. */
  putManifest(repository: string, manifest: StoredManifest, tag?: string): void {
    const target = this.ensureRepository(repository);
    if (!target.manifests.has(manifest.digest)) {
      target.manifests.set(manifest.digest, manifest);
    }
    if (tag !== undefined) {
      target.tags.set(tag, manifest.digest);
      target.everTagged = true;
    }
  }

  /** Deletes the manifest and every tag that points to it; returns false when `repository` has no such manifest. */
  deleteManifest(repository: string, digest: string): boolean {
    const target = this.repositories.get(repository);
    if (!target?.manifests.delete(digest)) {
      return false;
    }
    for (const [tag, tagged] of target.tags) {
      if (tagged === digest) {
        target.tags.delete(tag);
      }
    }
    return true;
  }

  /** Deletes `tag` and keeps the manifest; returns false when `repository` has no such tag. */
  deleteTag(repository: string, tag: string): boolean {
    return this.repositories.get(repository)?.tags.delete(tag) ?? false;
  }

  /** Tags of `repository`, sorted lexically. */
  tags(repository: string): string[] {
    return [...(this.repositories.get(repository)?.tags.keys() ?? [])].sort(compareLexically);
  }

  /** Manifests in `repository` whose `subject` is `digest`, sorted by digest. */
  referrers(repository: string, digest: string): StoredManifest[] {
    const target = this.repositories.get(repository);
    if (!target) {
      return [];
    }
    return [...target.manifests.values()]
      .filter((manifest) => manifest.subject === digest)
      .sort((left, right) => compareLexically(left.digest, right.digest));
  }

  /** Drops all content. */
  clear(): void {
    this.blobs.clear();
    this.repositories.clear();
  }

  private ensureRepository(name: string): Repository {
    let repository = this.repositories.get(name);
    if (!repository) {
      repository = { name, blobs: new Set(), manifests: new Map(), tags: new Map(), everTagged: false };
      this.repositories.set(name, repository);
    }
    return repository;
  }

  /** Frees the content of blobs that no repository links any more. */
  private dropUnlinkedBlobs(): void {
    const linked = new Set<string>();
    for (const each of this.repositories.values()) {
      for (const digest of each.blobs) {
        linked.add(digest);
      }
    }
    for (const digest of this.blobs.keys()) {
      if (!linked.has(digest)) {
        this.blobs.delete(digest);
      }
    }
  }
}

/**
 * Orders strings by UTF-16 code units, which for the ASCII of tags and
 * repository names is the byte order Distribution and the spec use.
 */
export function compareLexically(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
