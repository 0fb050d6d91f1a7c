import type { ResolveOptions, ResolvedReference } from '../resolve/resolver.js';
import type { ImageResolver, ResolvedImage } from './ports.js';

/** The part of the `Resolver` of `src/resolve/` that pinning calls. */
export interface ReferenceResolver {
  resolve(reference: string, options?: ResolveOptions): Promise<ResolvedReference>;
}

/**
 * Adapts a `Resolver` to the {@link ImageResolver} pinning needs. The
 * resolver caches tag lists and digests, so one resolver shared by a run
 * sends each request once. With a platform, the digest pinned is that of the
 * platform's manifest.
 */
export function resolverPort(resolver: ReferenceResolver): ImageResolver {
  return {
    async resolve(reference, options): Promise<ResolvedImage> {
      const resolved = await resolver.resolve(reference, options?.platform === undefined ? {} : { platform: options.platform });
      const digest = resolved.platform?.digest ?? resolved.digest;
      const mediaType = resolved.platform?.mediaType ?? resolved.mediaType;
      return { reference: resolved.reference, digest, mediaType, immutableTags: resolved.immutableTags };
    },
  };
}
