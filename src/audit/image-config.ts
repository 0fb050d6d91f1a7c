/**
 * Reads the image configs behind a tag: one for an image manifest, one per
 * platform for an index. The config checks of an audit (`runs-as-root`,
 * `max-age`) look at `config.User` and `created` of each.
 */
import { z } from 'zod';
import { Descriptor, isIndexManifest, type Manifest } from '../registry/manifest-schemas.js';
import { IMAGE_MANIFEST_MEDIA_TYPES, MediaType } from '../registry/wire.js';
import { UnsupportedManifestError } from './errors.js';

/** The fields of an image config (image-spec v1.1.0, config.md) that an audit reads. */
export const ImageConfig = z.looseObject({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .looseObject({
      User: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type ImageConfig = z.infer<typeof ImageConfig>;

/** Facts an audit reads from the image of one platform. */
export interface PlatformImage {
  /** `os/architecture[/variant]`, from the index entry or else from the config. */
  platform: string;
  /** Digest of the image manifest. */
  digest: string;
  /** `config.User` as written, or an empty string when the config sets none. */
  user: string;
  /** `created` as written, or undefined when the config has none. */
  created: string | undefined;
}

/** The reads an image-config walk needs, each cached by digest by the caller. */
export interface ConfigSource {
  manifest(digest: string): Promise<Manifest>;
  config(digest: string): Promise<ImageConfig>;
}

const IMAGE_CONFIG_MEDIA_TYPES = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);

// Attestation manifests that BuildKit adds to an index carry this annotation
// and platform unknown/unknown; they are not images anyone runs.
const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/**
 * Lists the platform images of the manifest with `digest`: the image itself,
 * or every runnable child of an index. Artifacts (a config that is not an
 * image config) and attestation manifests are left out.
 */
export async function platformImages(source: ConfigSource, digest: string): Promise<PlatformImage[]> {
  const manifest = await source.manifest(digest);
  if (!isIndexManifest(manifest)) {
    const image = await imageOf(source, digest, manifest, undefined);
    return image ? [image] : [];
  }

  const children = manifest.manifests.filter(isRunnableChild);
  const images = await Promise.all(
    children.map(async (child) => imageOf(source, child.digest, await source.manifest(child.digest), child)),
  );
  return images.filter((image): image is PlatformImage => image !== undefined);
}

/**
 * Returns true when `user` makes the container run as root: no user at all
 * (the runtime default is root), or a user part of `root` or `0` with any
 * group (`root`, `0`, `0:0`, `root:root`, `0:1000`).
 */
export function runsAsRoot(user: string): boolean {
  const userPart = user.trim().split(':', 1)[0] ?? '';
  return userPart === '' || userPart === 'root' || userPart === '0';
}

function isRunnableChild(child: Descriptor): boolean {
  if (!IMAGE_MANIFEST_MEDIA_TYPES.includes(child.mediaType)) {
    return false;
  }
  if (child.annotations?.[REFERENCE_TYPE_ANNOTATION] !== undefined) {
    return false;
  }
  return !(child.platform?.os === 'unknown' && child.platform.architecture === 'unknown');
}

async function imageOf(
  source: ConfigSource,
  digest: string,
  manifest: Manifest,
  child: Descriptor | undefined,
): Promise<PlatformImage | undefined> {
  if (isIndexManifest(manifest)) {
    throw new UnsupportedManifestError(digest, 'it is an index inside an index, and an audit reads one level of platforms only');
  }
  const configDescriptor = Descriptor.safeParse((manifest as { config?: unknown }).config);
  if (!configDescriptor.success || !IMAGE_CONFIG_MEDIA_TYPES.has(configDescriptor.data.mediaType)) {
    return undefined;
  }

  const config = await source.config(configDescriptor.data.digest);
  return {
    platform: formatPlatformOf(child, config),
    digest,
    user: config.config?.User ?? '',
    created: config.created,
  };
}

function formatPlatformOf(child: Descriptor | undefined, config: ImageConfig): string {
  const platform = child?.platform ?? { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', variant: config.variant };
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== '').join('/');
}
