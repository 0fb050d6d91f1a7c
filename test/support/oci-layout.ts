/**
 * Builds test images into OCI image layouts on disk (image-spec v1.1.0,
 * image-layout.md), so skopeo can push them with `oci:DIR:TAG` references.
 * Nothing is downloaded: layers are tars built here. Several tags may share
 * one layout folder.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { isValidTag } from '../../src/grammar.js';
import { MediaType } from '../../src/registry/wire.js';
import { InvalidImageSpecError } from './errors.js';
import { storeBlob } from './blobs.js';
import { writeDirTransportCopy } from './dir-transport.js';
import { writeImage, type ImagePlatform, type ImageSpec, type WrittenManifest } from './image-writer.js';

export type { ImagePlatform, ImageSpec, LayerSpec } from './image-writer.js';
export { SEED_LABEL } from './image-writer.js';

/** Annotation of `index.json` entries that names their tag (image-spec v1.1.0, annotations.md). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** One platform manifest of a built index. */
export type BuiltManifest = WrittenManifest;

/** An image (or index) built into a layout and tagged there. */
export interface BuiltImage {
  layoutDir: string;
  /**
   * Reference for skopeo: `oci:DIR:TAG`, or `dir:DIR/skopeo-dir/TAG` for
   * Docker media types, which skopeo 1.9 does not find by tag in an OCI layout.
   */
  ref: string;
  /** Digest of the manifest or index bytes, `sha256:<hex>`. */
  digest: string;
  /** Size of the manifest or index in bytes. */
  size: number;
  /** The manifest or index as written. */
  manifest: object;
  /** Digest of the image config, or an empty string for an index, whose configs are in `platforms`. */
  configDigest: string;
  /** Layer digests, bottom first. For an index, every platform's layers without repeats. */
  layerDigests: string[];
  mediaType: string;
  /** The platform manifests, for an index only. */
  platforms?: BuiltManifest[];
}

/**
 * Builds a single-platform image manifest into the OCI layout in `dir`
 * (created when missing) and tags it `tag` in the layout's `index.json`.
 *
 * @throws InvalidImageSpecError for an invalid tag, platform or layer.
 */
export async function buildImage(dir: string, tag: string, spec: ImageSpec = {}): Promise<BuiltImage> {
  checkTag(tag);
  await ensureLayout(dir);

  const image = await writeImage(dir, spec);
  await tagInLayout(dir, tag, { mediaType: image.mediaType, digest: image.digest, size: image.size, platform: image.platform });
  const ref =
    spec.mediaTypes === 'docker'
      ? await writeDirTransportCopy(dir, tag, {
          topDigest: image.digest,
          platformManifestDigests: [],
          blobDigests: [image.configDigest, ...image.layerDigests],
        })
      : `oci:${dir}:${tag}`;
  return {
    layoutDir: dir,
    ref,
    digest: image.digest,
    size: image.size,
    manifest: image.manifest,
    configDigest: image.configDigest,
    layerDigests: image.layerDigests,
    mediaType: image.mediaType,
  };
}

/**
 * Builds a multi-platform image: one manifest per spec and an OCI image index
 * over them (a Docker manifest list when the specs use `mediaTypes: 'docker'`),
 * tagged `tag` in the layout.
 *
 * @throws InvalidImageSpecError for an invalid tag, an empty platform list,
 *   mixed media types or a platform listed twice.
 */
export async function buildIndex(dir: string, tag: string, platforms: ImageSpec[]): Promise<BuiltImage> {
  checkTag(tag);
  checkIndexPlatforms(platforms);
  await ensureLayout(dir);

  const docker = platforms[0]?.mediaTypes === 'docker';
  const images: WrittenManifest[] = [];
  for (const spec of platforms) images.push(await writeImage(dir, spec));

  const mediaType = docker ? MediaType.dockerManifestList : MediaType.ociIndex;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map((image) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      platform: image.platform,
    })),
  };
  const indexBlob = await storeBlob(dir, Buffer.from(JSON.stringify(index), 'utf8'));
  await tagInLayout(dir, tag, { mediaType, digest: indexBlob.digest, size: indexBlob.size });
  const ref = docker
    ? await writeDirTransportCopy(dir, tag, {
        topDigest: indexBlob.digest,
        platformManifestDigests: images.map((image) => image.digest),
        blobDigests: images.flatMap((image) => [image.configDigest, ...image.layerDigests]),
      })
    : `oci:${dir}:${tag}`;

  return {
    layoutDir: dir,
    ref,
    digest: indexBlob.digest,
    size: indexBlob.size,
    manifest: index,
    configDigest: '',
    layerDigests: [...new Set(images.flatMap((image) => image.layerDigests))],
    mediaType,
    platforms: images,
  };
}

/** Creates the layout skeleton: the `oci-layout` file and `blobs/sha256/`. */
async function ensureLayout(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: ImagePlatform;
  annotations?: Record<string, string>;
}

/** Serializes `index.json` updates per layout, since builds in one process may run concurrently. */
const layoutLocks = new Map<string, Promise<void>>();

/** Points `tag` at the descriptor in `index.json`, replacing an entry with the same tag. */
async function tagInLayout(dir: string, tag: string, descriptor: LayoutDescriptor): Promise<void> {
  const key = path.resolve(dir);
  const previous = layoutLocks.get(key) ?? Promise.resolve();
  const update = previous.then(() => rewriteLayoutIndex(dir, tag, descriptor));
  const settled = update.catch(() => undefined);
  layoutLocks.set(key, settled);
  try {
    await update;
  } finally {
    if (layoutLocks.get(key) === settled) layoutLocks.delete(key);
  }
}

async function rewriteLayoutIndex(dir: string, tag: string, descriptor: LayoutDescriptor): Promise<void> {
  const indexFile = path.join(dir, 'index.json');
  let manifests: LayoutDescriptor[] = [];
  try {
    const existing = JSON.parse(await readFile(indexFile, 'utf8')) as { manifests?: LayoutDescriptor[] };
    manifests = existing.manifests ?? [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  manifests = manifests.filter((entry) => entry.annotations?.[REF_NAME_ANNOTATION] !== tag);
  manifests.push({ ...descriptor, annotations: { [REF_NAME_ANNOTATION]: tag } });
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };

  const partial = `${indexFile}.partial-${process.pid}`;
  await writeFile(partial, JSON.stringify(index, null, 2));
  await rename(partial, indexFile);
}

function checkTag(tag: string): void {
  if (!isValidTag(tag)) {
    throw new InvalidImageSpecError(`tag "${tag}" is invalid: an OCI tag matches [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
  }
}

function checkIndexPlatforms(platforms: ImageSpec[]): void {
  if (platforms.length === 0) {
    throw new InvalidImageSpecError('an index needs at least one platform spec: pass one ImageSpec per platform');
  }

  const kinds = new Set(platforms.map((spec) => spec.mediaTypes ?? 'oci'));
  if (kinds.size > 1) {
    throw new InvalidImageSpecError("the platform specs of an index mix mediaTypes 'oci' and 'docker': use one kind for all");
  }

  const seen = new Set<string>();
  for (const spec of platforms) {
    const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
    const name = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
    if (seen.has(name)) {
      throw new InvalidImageSpecError(`platform ${name} is listed twice in the index: give each platform once`);
    }
    seen.add(name);
  }
}
