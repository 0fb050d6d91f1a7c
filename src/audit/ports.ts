/**
 * The registry calls an audit needs, as a small interface of its own. The
 * audit logic is written and unit-tested against it; `clientAuditRegistry`
 * implements it with the registry client.
 */
import type { Manifest } from '../registry/manifest-schemas.js';
import type { Reference } from '../registry/reference.js';

/** A repository in a registry, such as `{ registry: 'ghcr.io', repository: 'acme/etcd' }`. */
export type RepositoryName = Pick<Reference, 'registry' | 'repository'>;

/** Descriptor of a manifest as the registry reports it. */
export interface ManifestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** A manifest read by digest and verified against it. */
export interface AuditManifest {
  descriptor: ManifestDescriptor;
  manifest: Manifest;
}

/** The registry operations an audit sends. Every call is one request, apart from paginated lists. */
export interface AuditRegistry {
  /**
   * Lists every repository of `registry` (`GET /v2/_catalog`, all pages).
   * Throws a `RegistryError` when the registry has no catalog or denies it.
   */
  listRepositories(registry: string): Promise<string[]>;

  /** Lists every tag of `repository`, all pages. Throws `NotFoundError` when the repository does not exist. */
  listTags(repository: RepositoryName): Promise<string[]>;

  /** Sends HEAD for `reference` (a tag) and returns the manifest descriptor. Throws `NotFoundError` when it is missing. */
  headManifest(reference: Reference): Promise<ManifestDescriptor>;

  /** Fetches the manifest `reference` (a digest) names, verified against that digest. */
  getManifest(reference: Reference): Promise<AuditManifest>;

  /** Fetches a small blob, such as an image config, verified against `digest`. */
  getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array>;
}

/** Formats `repository` as `registry/repository`, the name reports and the ledger use. */
export function formatRepositoryName(repository: RepositoryName): string {
  return `${repository.registry}/${repository.repository}`;
}
