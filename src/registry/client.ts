import type { Readable } from 'node:stream';
import { blobExists, getBlob, headBlob, readBlob, type BlobDownload, type BlobInfo, type BlobReadOptions } from './blobs.js';
import { listRepositories, type RepositoryListing } from './catalog.js';
import { copyImage, type CopyOptions, type CopyResult } from './copy.js';
import { deleteManifest, getManifest, headManifest, putManifest, type FetchedManifest, type OperationOptions } from './manifests.js';
import type { PageOptions } from './pagination.js';
import { resolvePlatform, type PlatformRequest, type ResolvedPlatform } from './platform.js';
import { parseRegistry, toReference, toRepository, type Reference } from './reference.js';
import { listTags, type TagListing } from './tags.js';
import { createTransport, type TransportOptions } from './transport/index.js';
import type { RegistryTransport } from './transport-types.js';
import { mountBlob, uploadBlob, type MountResult, type UploadOptions } from './uploads.js';

/**
 * The registry client: every operation of this folder behind one object
 * that owns a transport. References may be given as strings
 * (`ghcr.io/org/app:1.2.3`) or parsed {@link Reference} objects; both are
 * validated before any request.
 *
 * @example
 * const client = new RegistryClient({ insecureRegistries: ['registry.local:5000'] });
 * try {
 *   const { digest } = await client.headManifest('registry.local:5000/app:1.2.3');
 *   const { tags } = await client.listTags('registry.local:5000/app');
 * } finally {
 *   await client.close();
 * }
 */
export class RegistryClient {
  /** The transport requests go through. */
  readonly transport: RegistryTransport;
  private readonly ownsTransport: boolean;

  /**
   * Creates a client with a new transport built from `options`, or around
   * `{ transport }`. A transport passed in is not closed by {@link close}.
   */
  constructor(options: TransportOptions | { transport: RegistryTransport } = {}) {
    if ('transport' in options) {
      this.transport = options.transport;
      this.ownsTransport = false;
    } else {
      this.transport = createTransport(options);
      this.ownsTransport = true;
    }
  }

  /** Resolves a reference to its manifest descriptor with HEAD, falling back to GET; see {@link headManifest}. */
  async headManifest(reference: Reference | string, options?: OperationOptions): Promise<FetchedManifest['descriptor']> {
    return headManifest(this.transport, toReference(reference), options);
  }

  /** Fetches and verifies a manifest; see {@link getManifest}. */
  async getManifest(reference: Reference | string, options?: OperationOptions): Promise<FetchedManifest> {
    return getManifest(this.transport, toReference(reference), options);
  }

  /** Uploads manifest bytes unchanged under a tag or digest and returns the digest; see {@link putManifest}. */
  async putManifest(reference: Reference | string, bytes: Uint8Array, mediaType: string, options?: OperationOptions): Promise<string> {
    return putManifest(this.transport, toReference(reference), bytes, mediaType, options);
  }

  /** Deletes a manifest by digest (resolving a tag first) and returns the digest; see {@link deleteManifest}. */
  async deleteManifest(reference: Reference | string, options?: OperationOptions): Promise<string> {
    return deleteManifest(this.transport, toReference(reference), options);
  }

  /** Resolves a reference to the manifest of one platform; see {@link resolvePlatform}. */
  async resolvePlatform(reference: Reference | string, platform: PlatformRequest, options?: OperationOptions): Promise<ResolvedPlatform> {
    return resolvePlatform(this.transport, toReference(reference), platform, options);
  }

  /** Lists every tag of a repository; see {@link listTags}. */
  async listTags(repository: Reference | string, options?: PageOptions): Promise<TagListing> {
    return listTags(this.transport, toRepository(repository), options);
  }

  /** Lists every repository of a registry through `/v2/_catalog`; see {@link listRepositories}. */
  async listRepositories(registry: string, options?: PageOptions): Promise<RepositoryListing> {
    return listRepositories(this.transport, parseRegistry(registry), options);
  }

  /** Returns digest and size of a blob; see {@link headBlob}. */
  async headBlob(repository: Reference | string, digest: string, options?: { signal?: AbortSignal }): Promise<BlobInfo> {
    return headBlob(this.transport, toRepository(repository), digest, options);
  }

  /** Returns whether a repository has a blob; see {@link blobExists}. */
  async blobExists(repository: Reference | string, digest: string, options?: { signal?: AbortSignal }): Promise<boolean> {
    return blobExists(this.transport, toRepository(repository), digest, options);
  }

  /** Starts a verified, streamed blob download; see {@link getBlob}. */
  async getBlob(repository: Reference | string, digest: string, options?: BlobReadOptions): Promise<BlobDownload> {
    return getBlob(this.transport, toRepository(repository), digest, options);
  }

  /** Reads a small blob into memory, verified; see {@link readBlob}. */
  async readBlob(repository: Reference | string, digest: string, options: BlobReadOptions & { maxBytes: number }): Promise<Buffer> {
    return readBlob(this.transport, toRepository(repository), digest, options);
  }

  /** Uploads a blob, monolithic or chunked; see {@link uploadBlob}. */
  async uploadBlob(repository: Reference | string, content: Uint8Array | Readable, options?: UploadOptions): Promise<BlobInfo> {
    return uploadBlob(this.transport, toRepository(repository), content, options);
  }

  /** Mounts a blob from another repository of the same registry; see {@link mountBlob}. */
  async mountBlob(repository: Reference | string, digest: string, from: string, options?: { signal?: AbortSignal }): Promise<MountResult> {
    const target = toRepository(repository);
    const source = toRepository(`${target.registry}/${from}`);
    return mountBlob(this.transport, target, digest, source.repository, options);
  }

  /** Copies an image or index with everything it references; see {@link copyImage}. */
  async copyImage(source: Reference | string, destination: Reference | string, options?: CopyOptions): Promise<CopyResult> {
    return copyImage(this.transport, toReference(source), toReference(destination), options);
  }

  /** Closes the connection pools of a transport this client created. */
  async close(): Promise<void> {
    if (this.ownsTransport) {
      await this.transport.close();
    }
  }
}
