/** The release fake with the platform lookup resolve needs. */
import type { PlatformManifest, ResolveRegistry } from '../../src/resolve/ports.js';
import type { ImageReference } from '../../src/release/ports.js';
import { PlatformNotFoundError, formatPlatform, platformMatches, selectPlatformChild, type PlatformRequest } from '../../src/registry/platform.js';
import type { Descriptor } from '../../src/registry/manifest-schemas.js';
import { FakeReleaseRegistry } from '../release/fake-registry.js';

export class FakeResolveRegistry extends FakeReleaseRegistry implements ResolveRegistry {
  async resolvePlatform(reference: ImageReference, platform: PlatformRequest): Promise<PlatformManifest> {
    const fetched = await this.getManifest(reference);
    const manifest = JSON.parse(Buffer.from(fetched.bytes).toString()) as {
      manifests?: Descriptor[];
      config?: { digest: string };
    };
    const shown = `${reference.registry}/${reference.repository}@${fetched.descriptor.digest}`;
    if (manifest.manifests !== undefined) {
      const child = selectPlatformChild(shown, manifest.manifests, platform);
      return { mediaType: child.mediaType, digest: child.digest, size: child.size, platform: child.platform ?? platform };
    }
    const config = JSON.parse(Buffer.from(await this.getBlob(reference, manifest.config?.digest ?? '')).toString()) as PlatformRequest;
    const own = { os: config.os, architecture: config.architecture };
    if (!platformMatches(platform, own)) {
      throw new PlatformNotFoundError(shown, platform, [own]);
    }
    return { ...fetched.descriptor, platform: own };
  }
}

export { formatPlatform };
