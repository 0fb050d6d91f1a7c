import { z } from 'zod';
import { isValidDigest } from './digest.js';
import { MediaType } from './wire.js';

/**
 * zod schemas of the manifest documents a registry serves, named after the
 * objects of OCI image-spec v1.1.0 (descriptor.md, manifest.md,
 * image-index.md) and Docker's image manifest v2 schema 2. Unknown fields are
 * kept (`looseObject`), because manifests are stored and copied as the exact
 * bytes the registry served: parsing only reads them.
 */

/** Annotations: string keys to string values. */
export const Annotations = z.record(z.string(), z.string());
export type Annotations = z.infer<typeof Annotations>;

/** A `sha256` or `sha512` digest, validated as in {@link isValidDigest}. */
export const Digest = z.string().refine(isValidDigest, {
  message: 'must be sha256:<64 lower-case hex> or sha512:<128 lower-case hex>',
});

/** The platform an image runs on (image-index.md, `platform`). */
export const Platform = z.looseObject({
  architecture: z.string().min(1),
  os: z.string().min(1),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof Platform>;

/** A typed pointer to content: media type, digest and size (descriptor.md). */
export const Descriptor = z.looseObject({
  mediaType: z.string().min(1),
  digest: Digest,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: Annotations.optional(),
  data: z.string().optional(),
  artifactType: z.string().optional(),
  platform: Platform.optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

/** An OCI image manifest: one config and its layers (manifest.md). */
export const ImageManifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.ociManifest).optional(),
  artifactType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
  subject: Descriptor.optional(),
  annotations: Annotations.optional(),
});
export type ImageManifest = z.infer<typeof ImageManifest>;

/** An OCI image index: manifests for several platforms or artifacts (image-index.md). */
export const ImageIndex = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.ociIndex).optional(),
  artifactType: z.string().optional(),
  manifests: z.array(Descriptor),
  subject: Descriptor.optional(),
  annotations: Annotations.optional(),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

/** Docker's image manifest, v2 schema 2; `mediaType` is required there. */
export const DockerManifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.dockerManifest),
  config: Descriptor,
  layers: z.array(Descriptor),
});
export type DockerManifest = z.infer<typeof DockerManifest>;

/** Docker's manifest list, the multi-platform counterpart of {@link DockerManifest}. */
export const DockerManifestList = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.dockerManifestList),
  manifests: z.array(Descriptor.extend({ platform: Platform })),
});
export type DockerManifestList = z.infer<typeof DockerManifestList>;

/**
 * The artifact manifest of image-spec 1.1 release candidates. It was dropped
 * from the final 1.1.0 release, but some registries still store and serve it.
 */
export const ArtifactManifest = z.looseObject({
  mediaType: z.literal(MediaType.ociArtifactManifest),
  artifactType: z.string().min(1),
  blobs: z.array(Descriptor).optional(),
  subject: Descriptor.optional(),
  annotations: Annotations.optional(),
});
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;

/** Any manifest tagkeeper reads. */
export type Manifest = ImageManifest | ImageIndex | DockerManifest | DockerManifestList | ArtifactManifest;

/** The schema that checks each manifest media type. */
export const MANIFEST_SCHEMAS: Readonly<Record<string, z.ZodType<Manifest>>> = {
  [MediaType.ociManifest]: ImageManifest,
  [MediaType.ociIndex]: ImageIndex,
  [MediaType.dockerManifest]: DockerManifest,
  [MediaType.dockerManifestList]: DockerManifestList,
  [MediaType.ociArtifactManifest]: ArtifactManifest,
};

/** The response body of `GET /v2/<name>/tags/list`; registries send `null` for an empty list and sometimes `null` entries. */
export const TagList = z.looseObject({
  name: z.string().optional(),
  tags: z.array(z.string().nullable()).nullable().optional(),
});
export type TagList = z.infer<typeof TagList>;

/** The response body of `GET /v2/_catalog`. */
export const RepositoryList = z.looseObject({
  repositories: z.array(z.string().nullable()).nullable().optional(),
});
export type RepositoryList = z.infer<typeof RepositoryList>;

/** Returns true for the manifests that list other manifests: an OCI index or a Docker manifest list. */
export function isIndexManifest(manifest: Manifest): manifest is ImageIndex | DockerManifestList {
  return 'manifests' in manifest && Array.isArray(manifest.manifests);
}

/**
 * Lists the blobs a single-image manifest needs (config first, then layers,
 * or an artifact manifest's blobs); an index has none of its own.
 */
export function referencedBlobs(manifest: Manifest): Descriptor[] {
  if (isIndexManifest(manifest)) {
    return [];
  }
  if (isImageManifest(manifest)) {
    return [manifest.config, ...manifest.layers];
  }
  return [...((manifest as ArtifactManifest).blobs ?? [])];
}

/** Returns true for a single-image manifest with config and layers: OCI or Docker. */
export function isImageManifest(manifest: Manifest): manifest is ImageManifest | DockerManifest {
  return 'config' in manifest && 'layers' in manifest && Array.isArray(manifest.layers);
}
