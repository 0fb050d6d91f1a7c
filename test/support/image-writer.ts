/**
 * Writes the blobs of one single-platform image (layers, config, manifest)
 * into an OCI image layout. Formats: OCI image-spec v1.1.0 (manifest.md,
 * config.md) and Docker Image Manifest V2, Schema 2.
 */
import { MediaType } from '../../src/registry/wire.js';
import { InvalidImageSpecError } from './errors.js';
import { randomBytesFromSeed } from './random-bytes.js';
import { storeBlob, storeLayer, type StoredLayer } from './blobs.js';
import { tarEnd, tarHeader, tarOfFiles, tarPadding } from './tar.js';

/** The platform an image runs on, as in an index's `platform` field. */
export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A layer given file by file, or a layer of pseudo-random bytes. */
export type LayerSpec =
  | { files: Record<string, string | Buffer>; gzip?: boolean }
  | { size: number; seed?: string; gzip?: boolean };

/** Content of a test image. Every field has a default. */
export interface ImageSpec {
  /** Default linux/amd64. */
  platform?: ImagePlatform;
  /**
   * Layers, bottom first, each a tar built here (gzip-compressed unless
   * `gzip: false`). A `size` layer contains one file `random.bin` of that many
   * pseudo-random bytes, from `seed` or else from the image seed and the
   * layer position. Default: one small layer with a file naming the seed
   * and platform.
   */
  layers?: LayerSpec[];
  config?: {
    user?: string;
    /** Default `1970-01-01T00:00:00Z`, so builds are reproducible. */
    created?: string;
    env?: string[];
    labels?: Record<string, string>;
    /** Default one entry per layer. */
    history?: Array<{ created?: string; created_by?: string }>;
  };
  /**
   * Makes two builds differ: the seed goes into the default layer and into
   * the config label `test.tagkeeper.seed`. The same seed and spec give the
   * same digest.
   */
  seed?: string;
  /** Default 'oci'. */
  mediaTypes?: 'oci' | 'docker';
}

/** The descriptor fields and content of a manifest written to a layout. */
export interface WrittenManifest {
  digest: string;
  size: number;
  mediaType: string;
  manifest: Record<string, unknown>;
  configDigest: string;
  layerDigests: string[];
  platform: ImagePlatform;
}

const DEFAULT_CREATED = '1970-01-01T00:00:00Z';

/** Config label that carries {@link ImageSpec.seed}. */
export const SEED_LABEL = 'test.tagkeeper.seed';

/** Writes the layers, config and manifest of one image and returns the manifest's descriptor fields. */
export async function writeImage(layoutDir: string, spec: ImageSpec = {}): Promise<WrittenManifest> {
  const platform = checkPlatform(spec.platform ?? { os: 'linux', architecture: 'amd64' });
  const docker = spec.mediaTypes === 'docker';
  const layerSpecs = spec.layers ?? [defaultLayer(spec.seed, platform)];

  const layers: Array<StoredLayer & { mediaType: string }> = [];
  for (const [position, layerSpec] of layerSpecs.entries()) {
    layers.push(await writeLayer(layoutDir, layerSpec, position, spec, docker));
  }

  const config = imageConfig(spec, platform, layers);
  const configBlob = await storeBlob(layoutDir, Buffer.from(JSON.stringify(config), 'utf8'));

  const mediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
  const manifestBlob = await storeBlob(layoutDir, Buffer.from(JSON.stringify(manifest), 'utf8'));

  return {
    digest: manifestBlob.digest,
    size: manifestBlob.size,
    mediaType,
    manifest,
    configDigest: configBlob.digest,
    layerDigests: layers.map((layer) => layer.digest),
    platform,
  };
}

async function writeLayer(
  layoutDir: string,
  layerSpec: LayerSpec,
  position: number,
  spec: ImageSpec,
  docker: boolean,
): Promise<StoredLayer & { mediaType: string }> {
  const gzip = layerSpec.gzip ?? true;
  if (docker && !gzip) {
    throw new InvalidImageSpecError(
      `layer ${position} has gzip: false, but Docker schema 2 manifests carry only gzip layers: use mediaTypes 'oci' or drop gzip: false`,
    );
  }

  let mediaType: string = MediaType.ociLayerTar;
  if (docker) mediaType = MediaType.dockerLayerTarGzip;
  else if (gzip) mediaType = MediaType.ociLayerTarGzip;

  if ('files' in layerSpec) {
    const stored = await storeLayer(layoutDir, [tarOfFiles(layerSpec.files)], gzip);
    return { ...stored, mediaType };
  }

  const { size } = layerSpec;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidImageSpecError(`layer ${position} has invalid size ${size}: give a whole number of bytes, 0 or more`);
  }
  const seed = layerSpec.seed ?? `${spec.seed ?? ''}/layer-${position}`;
  const stored = await storeLayer(layoutDir, randomLayerTar(seed, size), gzip);
  return { ...stored, mediaType };
}

/** Yields a tar with one file `random.bin` of `size` pseudo-random bytes, chunk by chunk. */
function* randomLayerTar(seed: string, size: number): Generator<Buffer> {
  yield tarHeader({ path: 'random.bin', type: 'file', size });
  yield* randomBytesFromSeed(seed, size);
  yield tarPadding(size);
  yield tarEnd();
}

function defaultLayer(seed: string | undefined, platform: ImagePlatform): LayerSpec {
  const platformName = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
  return { files: { 'etc/tagkeeper-test-image': `seed=${seed ?? ''}\nplatform=${platformName}\n` } };
}

function imageConfig(spec: ImageSpec, platform: ImagePlatform, layers: StoredLayer[]): Record<string, unknown> {
  const created = spec.config?.created ?? DEFAULT_CREATED;
  const labels = { ...spec.config?.labels, ...(spec.seed === undefined ? {} : { [SEED_LABEL]: spec.seed }) };

  const runtime: Record<string, unknown> = {};
  if (spec.config?.user !== undefined) runtime.User = spec.config.user;
  if (spec.config?.env !== undefined) runtime.Env = spec.config.env;
  if (Object.keys(labels).length > 0) runtime.Labels = labels;

  return {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: runtime,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: spec.config?.history ?? layers.map((_, position) => ({ created, created_by: `tagkeeper test layer ${position}` })),
  };
}

function checkPlatform(platform: ImagePlatform): ImagePlatform {
  const valid = /^[a-z0-9._-]+$/;
  const fields = [platform.os, platform.architecture, ...(platform.variant === undefined ? [] : [platform.variant])];
  if (fields.some((field) => !valid.test(field))) {
    throw new InvalidImageSpecError(
      `platform ${JSON.stringify(platform)} is invalid: give os and architecture (and variant) as lowercase words such as linux, arm64, v8`,
    );
  }
  return platform.variant === undefined
    ? { os: platform.os, architecture: platform.architecture }
    : { os: platform.os, architecture: platform.architecture, variant: platform.variant };
}
