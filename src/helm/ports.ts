/**
 * The port of image resolution that pinning uses. The `Resolver` of
 * `src/resolve/` implements it through `resolverPort` (`resolver-port.ts`),
 * and unit tests pass an in-process fake.
 */

/** A platform to pin single-platform manifests for, as in `linux/arm64/v8`. */
export interface PinPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Options of one {@link ImageResolver.resolve} call. */
export interface ImageResolveOptions {
  /** Resolve the manifest of this platform inside an index, instead of the index itself. */
  platform?: PinPlatform;
}

/** The state of one reference in its registry now. */
export interface ResolvedImage {
  /** The resolved reference, normalised: `docker.io/bitnami/etcd:3`. */
  reference: string;
  /**
   * The digest values are pinned to: the digest the tag points to, or the
   * digest of the platform's manifest when a platform was requested.
   */
  digest: string;
  /** Media type of the manifest `digest` names, when the resolver reports it. */
  mediaType?: string;
  /**
   * Immutable tags that point to the same manifest as the resolved tag, newest
   * first. Contains the tag itself when it is immutable; empty when no
   * immutable tag has that digest.
   */
  immutableTags: string[];
}

/** Turns a reference into the digest and immutable tags it stands for now. */
export interface ImageResolver {
  /**
   * Resolves `reference` (`registry/repository:tag` or `registry/repository@digest`).
   * Throws when the image does not exist or the registry rejects the request.
   * Pinning reports the error with the places in the values files that name it.
   */
  resolve(reference: string, options?: ImageResolveOptions): Promise<ResolvedImage>;
}
