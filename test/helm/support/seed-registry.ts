import { join } from 'node:path';
import { buildImage, type BuiltImage } from '../../support/oci-layout.js';
import { pushImage } from '../../support/skopeo.js';
import type { FixtureTags } from './fixtures.js';
import { fakeDigest } from './fake-resolver.js';

/** Images pushed for the fixture tag table, and how to map fake digests to them. */
export interface SeededRegistry {
  /** Real digest of each image label. */
  digests: Map<string, string>;
  /** Replaces every fake digest of a label in `text` with the digest of the image pushed for it. */
  realDigests(text: string): string;
}

/**
 * Builds one small image per label of `tags` (the label is the build seed,
 * so two labels never share a digest) and pushes it with skopeo under every
 * tag that names the label. Repository `registry/path` of the table is pushed
 * as `host/registry/path`, a mirror of every registry on one loopback host.
 */
export async function seedRegistry(host: string, layoutDir: string, tags: FixtureTags): Promise<SeededRegistry> {
  const images = new Map<string, BuiltImage>();
  const digests = new Map<string, string>();
  for (const [repository, byTag] of Object.entries(tags)) {
    for (const [tag, label] of Object.entries(byTag)) {
      let image = images.get(label);
      if (image === undefined) {
        image = await buildImage(join(layoutDir, 'images'), label, { seed: label, layers: [{ files: { [`etc/${label}`]: label } }] });
        images.set(label, image);
      }
      digests.set(label, await pushImage(image, { host }, `${repository}:${tag}`));
    }
  }

  return {
    digests,
    realDigests(text) {
      let result = text;
      for (const [label, digest] of digests) {
        result = result.split(fakeDigest(label)).join(digest);
      }
      return result;
    },
  };
}
