/**
 * The release and resolve ports implemented with the registry client.
 */
import { RegistryClient } from '../registry/client.js';
import { isNotFoundError } from '../registry/errors.js';
import type { PlatformRequest } from '../registry/platform.js';
import type { TransportOptions } from '../registry/transport/index.js';
import { MAX_MANIFEST_BYTES } from '../registry/wire.js';
import type {
  CopyResult,
  FetchedManifest,
  ImageReference,
  ManifestDescriptor,
  ReleaseRegistry,
  RepositoryName,
} from './ports.js';

/** The manifest of one platform, as `resolvePlatform` returns it. */
export interface PlatformManifest extends ManifestDescriptor {
  platform: PlatformRequest;
}

/**
 * {@link ReleaseRegistry} over a {@link RegistryClient}, with the extra call
 * resolve needs. A 404 on HEAD becomes `undefined`, and a repository the
 * registry does not know lists no tags. Every other failure is thrown as the
 * client's typed error.
 */
export class ClientRegistry implements ReleaseRegistry {
  constructor(readonly client: RegistryClient) {}

  async listTags(repository: RepositoryName): Promise<string[]> {
    try {
      return (await this.client.listTags(repositoryOnly(repository))).tags;
    } catch (error) {
      // Distribution responds NAME_UNKNOWN until the first push, so a new repository lists no tags.
      if (isNotFoundError(error)) {
        return [];
      }
      throw error;
    }
  }

  async headManifest(reference: ImageReference): Promise<ManifestDescriptor | undefined> {
    try {
      const descriptor = await this.client.headManifest(reference);
      return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
    } catch (error) {
      if (isNotFoundError(error)) {
        return undefined;
      }
      throw error;
    }
  }

  async getManifest(reference: ImageReference): Promise<FetchedManifest> {
    const fetched = await this.client.getManifest(reference);
    return { descriptor: { ...fetched.descriptor }, bytes: fetched.bytes };
  }

  async getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array> {
    // Image configs are small; the manifest size cap bounds the memory a broken registry can make us use.
    return this.client.readBlob(repositoryOnly(repository), digest, { maxBytes: MAX_MANIFEST_BYTES });
  }

  async copyImage(source: ImageReference, target: RepositoryName): Promise<CopyResult> {
    const result = await this.client.copyImage(source, repositoryOnly(target));
    return {
      digest: result.digest,
      blobsCopied: result.blobs.copied,
      blobsMounted: result.blobs.mounted,
      blobsSkipped: result.blobs.skipped,
    };
  }

  putManifest(reference: ImageReference, bytes: Uint8Array, mediaType: string): Promise<string> {
    return this.client.putManifest(reference, bytes, mediaType);
  }

  /** Resolves `reference` to the manifest of `platform`: a child of an index, or a single image of that platform. */
  async resolvePlatform(reference: ImageReference, platform: PlatformRequest): Promise<PlatformManifest> {
    const resolved = await this.client.resolvePlatform(reference, platform);
    return { mediaType: resolved.mediaType, digest: resolved.digest, size: resolved.size, platform: resolved.platform };
  }
}

/** A registry connection for one publish or resolve: the port, and a close that frees what this module created. */
export interface RegistryConnection {
  registry: ClientRegistry;
  close(): Promise<void>;
}

/**
 * Wraps `client` when given (the caller keeps closing it), or creates a
 * client from `transport` options that {@link RegistryConnection.close} closes.
 */
export function connectRegistry(client: RegistryClient | undefined, transport: TransportOptions | undefined): RegistryConnection {
  if (client !== undefined) {
    return { registry: new ClientRegistry(client), close: async () => undefined };
  }
  const owned = new RegistryClient(transport ?? {});
  return { registry: new ClientRegistry(owned), close: () => owned.close() };
}

function repositoryOnly(repository: RepositoryName): RepositoryName {
  return { registry: repository.registry, repository: repository.repository };
}
