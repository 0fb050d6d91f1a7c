import { z } from 'zod';
import { MediaType } from '../../registry/wire.js';

/** A content descriptor (image-spec v1.1.0, descriptor.md). Digests are checked separately, so an invalid one gets DIGEST_INVALID. */
export const Descriptor = z.object({
  mediaType: z.string().min(1),
  digest: z.string().min(1),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
  platform: z
    .object({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
    .loose()
    .optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

/** An image manifest, OCI (image-spec v1.1.0, manifest.md) or Docker schema 2. */
export const ImageManifest = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    config: Descriptor,
    layers: z.array(Descriptor),
    subject: Descriptor.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageManifest = z.infer<typeof ImageManifest>;

/** An image index, OCI (image-spec v1.1.0, image-index.md) or a Docker manifest list. */
export const ImageIndex = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    manifests: z.array(Descriptor),
    subject: Descriptor.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageIndex = z.infer<typeof ImageIndex>;

/** The artifact manifest of image-spec 1.1 release candidates, which some registries still accept. */
export const ArtifactManifest = z
  .object({
    mediaType: z.literal(MediaType.ociArtifactManifest),
    artifactType: z.string().min(1),
    blobs: z.array(Descriptor).optional(),
    subject: Descriptor.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;

/** Manifest media types a PUT may carry in `Content-Type`. */
export const PUSHABLE_MEDIA_TYPES: readonly string[] = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.ociArtifactManifest,
];

/** Media types whose body must carry `mediaType`, because Docker schema 2 requires it. */
export const MEDIA_TYPE_REQUIRED: readonly string[] = [MediaType.dockerManifest, MediaType.dockerManifestList];
