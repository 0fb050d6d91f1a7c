/**
 * Fills a registry cheaply: one tiny layer and config per repository through
 * the API, then manifests that differ only in an annotation (so each has its
 * own digest) written with their tags into the registry's storage.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { RegistryClient } from '../../src/registry/client.js';
import { MediaType } from '../../src/registry/wire.js';
import { mapWithConcurrency } from '../../src/release/concurrency.js';
import { BenchSetupError } from './errors.js';

/** Annotation whose value makes each generated manifest distinct. */
export const BUILD_ANNOTATION = 'dev.tagkeeper.bench.build';

/** Files written at once while filling. */
const FILL_CONCURRENCY = 16;

/** The config and layer every generated manifest of a repository references. */
export interface SeedBlobs {
  config: { mediaType: string; digest: string; size: number };
  layer: { mediaType: string; digest: string; size: number };
}

/** One tag to write and the build its manifest is. */
export interface TagEntry {
  tag: string;
  /** Manifests with the same build share bytes and digest. */
  build: string;
}

/** Uploads the seed config and layer to `repository` (`host/name`) and returns their descriptors. */
export async function uploadSeed(client: RegistryClient, repository: string): Promise<SeedBlobs> {
  const layerBytes = Buffer.from('tagkeeper benchmark layer\n');
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layerBytes)] } }),
  );
  const layer = await client.uploadBlob(repository, layerBytes);
  const config = await client.uploadBlob(repository, configBytes);
  return {
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    // The layer is stored uncompressed, so its digest is also its diff_id.
    layer: { mediaType: MediaType.ociLayerTar, digest: layer.digest, size: layer.size },
  };
}

/** Returns the bytes of an OCI image manifest over the seed blobs, made distinct by `build`. */
export function manifestBytes(seed: SeedBlobs, build: string): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: seed.config,
    layers: [seed.layer],
    annotations: { [BUILD_ANNOTATION]: build },
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Returns the digest of generated manifest bytes. */
export function manifestDigest(bytes: Buffer): string {
  return sha256(bytes);
}

/**
 * Writes every entry's manifest and tag straight into the filesystem storage
 * of a stopped or running Distribution registry, and returns the digest of
 * each build. Putting 2,000 tags through the API took about 18 s on a loaded
 * 2-core machine, so 10,000 would take about 90 s (an estimate), and the
 * scenarios measure reading tags, not writing them. The registry reads tag links from disk on every request, so it serves
 * tags written this way at once.
 *
 * NOTE: this relies on the storage layout of Distribution 2.x
 * (`docker/registry/v2/{blobs,repositories}`), checked with 2.8.2; the
 * caller verifies a sample of tags through the API.
 */
export async function writeTags(storage: string, name: string, seed: SeedBlobs, entries: readonly TagEntry[]): Promise<Map<string, string>> {
  const root = path.join(storage, 'docker', 'registry', 'v2');
  const manifests = path.join(root, 'repositories', name, '_manifests');
  const digests = new Map<string, string>();

  for (const entry of entries) {
    if (digests.has(entry.build)) continue;
    const bytes = manifestBytes(seed, entry.build);
    const digest = manifestDigest(bytes);
    digests.set(entry.build, digest);
    const hex = digest.slice('sha256:'.length);
    await writeBlobData(path.join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), bytes);
    await writeFileIn(path.join(manifests, 'revisions', 'sha256', hex, 'link'), digest);
  }

  await mapWithConcurrency(entries, FILL_CONCURRENCY, async (entry) => {
    const digest = digests.get(entry.build) as string;
    const tagDir = path.join(manifests, 'tags', entry.tag);
    await writeFileIn(path.join(tagDir, 'current', 'link'), digest);
    await writeFileIn(path.join(tagDir, 'index', 'sha256', digest.slice('sha256:'.length), 'link'), digest);
  });
  return digests;
}

/**
 * Checks through the API that `tags` of `repository` (`host/name`) point to
 * `expected` digests, so a storage layout the registry does not read fails
 * here and not inside a measurement.
 *
 * @throws BenchSetupError naming the first tag that differs.
 */
export async function checkTags(client: RegistryClient, repository: string, expected: ReadonlyMap<string, string>): Promise<void> {
  for (const [tag, digest] of expected) {
    const found = await client.headManifest(`${repository}:${tag}`);
    if (found.digest !== digest) {
      throw new BenchSetupError(`${repository}:${tag} points to ${found.digest}, expected ${digest}: the registry does not read the storage written for it`);
    }
  }
}

/**
 * Writes blob data under a temporary name and renames it into place. Two
 * repositories filled at once can generate the same manifest bytes, and a
 * rewrite in place could let the registry read a truncated blob.
 */
async function writeBlobData(file: string, content: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  await writeFile(partial, content);
  await rename(partial, file);
}

async function writeFileIn(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
