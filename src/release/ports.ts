/**
 * The registry calls a publish needs, as a small interface of its own. The
 * release logic is written and unit-tested against it; `clientReleaseRegistry`
 * implements it with the registry client.
 */

/** A repository in a registry, such as `{ registry: 'ghcr.io', repository: 'acme/etcd' }`. */
export interface RepositoryName {
  /** Host with optional port, such as `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Repository path, such as `acme/etcd`. */
  repository: string;
}

/** A manifest reference by tag or by digest; the same shape as the registry client's `Reference`. */
export interface ImageReference extends RepositoryName {
  tag?: string;
  digest?: string;
}

/** Descriptor of a manifest as a registry reports it. */
export interface ManifestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** A manifest read from a registry, its bytes verified against its digest. */
export interface FetchedManifest {
  descriptor: ManifestDescriptor;
  bytes: Uint8Array;
}

/** Counts reported by an image copy. */
export interface CopyResult {
  /** Digest of the top-level manifest or index in the target repository. */
  digest: string;
  /** Blobs uploaded or streamed. */
  blobsCopied?: number;
  /** Blobs mounted from another repository of the same registry. */
  blobsMounted?: number;
  /** Blobs the target already had. */
  blobsSkipped?: number;
}

/** The registry operations that publish and its safety checks send. */
export interface ReleaseRegistry {
  /** Lists every tag of `repository`, or returns an empty list when the repository does not exist yet. */
  listTags(repository: RepositoryName): Promise<string[]>;

  /** Sends HEAD for a manifest and returns its descriptor, or undefined when the registry has none (404). */
  headManifest(reference: ImageReference): Promise<ManifestDescriptor | undefined>;

  /** Fetches a manifest by tag or digest; throws `NotFoundError` when it is missing. */
  getManifest(reference: ImageReference): Promise<FetchedManifest>;

  /** Fetches a small blob, such as an image config, verified against `digest`. */
  getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array>;

  /**
   * Copies the image `source` points to, with every platform of an index,
   * into `target` without tagging it, and returns the digest it has there.
   */
  copyImage(source: ImageReference, target: RepositoryName): Promise<CopyResult>;

  /** Puts manifest bytes under `reference` (a tag) and returns the digest the registry stored. */
  putManifest(reference: ImageReference, bytes: Uint8Array, mediaType: string): Promise<string>;
}

/** Formats `repository` as `registry/repository`. */
export function formatRepository(repository: RepositoryName): string {
  return `${repository.registry}/${repository.repository}`;
}

/** Formats `reference` as `registry/repository:tag@digest`, leaving out what it lacks. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${formatRepository(reference)}${tag}${digest}`;
}

/** Returns the reference of `tag` in `repository`. */
export function tagReference(repository: RepositoryName, tag: string): ImageReference {
  return { registry: repository.registry, repository: repository.repository, tag };
}

/** Returns the reference of `digest` in `repository`. */
export function digestReference(repository: RepositoryName, digest: string): ImageReference {
  return { registry: repository.registry, repository: repository.repository, digest };
}
