/**
 * The registry calls resolve needs. `ClientRegistry` from the release module
 * implements them with the registry client; tests use a fake.
 */
import type { PlatformManifest } from '../release/client-registry.js';
import type { ImageReference, ManifestDescriptor, RepositoryName } from '../release/ports.js';
import type { PlatformRequest } from '../registry/platform.js';

export type { PlatformManifest };

/** The registry operations a {@link Resolver} sends. */
export interface ResolveRegistry {
  /** Lists every tag of `repository`, or returns an empty list when the repository does not exist. */
  listTags(repository: RepositoryName): Promise<string[]>;
  /** Sends HEAD for a manifest and returns its descriptor, or undefined when the registry has none (404). */
  headManifest(reference: ImageReference): Promise<ManifestDescriptor | undefined>;
  /** Resolves `reference` to the manifest of `platform`; throws `PlatformNotFoundError` listing what is offered. */
  resolvePlatform(reference: ImageReference, platform: PlatformRequest): Promise<PlatformManifest>;
}
