import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MediaType } from '../../src/registry/wire.js';
import { blobPath } from '../support/blobs.js';
import { buildImage, buildIndex, REF_NAME_ANNOTATION, SEED_LABEL, type ImageSpec } from '../support/oci-layout.js';
import { randomBytesFromSeed } from '../support/random-bytes.js';
import { makeTempDir, removeDir } from '../support/temp.js';

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('layout-test');
});

afterEach(async () => {
  await removeDir(dir);
});

async function readJsonBlob(digest: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(blobPath(dir, digest), 'utf8')) as Record<string, unknown>;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

interface LayoutIndex {
  manifests: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }>;
}

describe('buildImage', () => {
  it('writes a layout whose blobs match their digests', async () => {
    const image = await buildImage(dir, 'v1', { layers: [{ files: { 'etc/app.conf': 'a=1\n' } }, { size: 4096 }] });

    expect(JSON.parse(await readFile(`${dir}/oci-layout`, 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    for (const digest of [image.digest, image.configDigest, ...image.layerDigests]) {
      expect(await sha256OfFile(blobPath(dir, digest))).toBe(digest);
    }
    expect(image.ref).toBe(`oci:${dir}:v1`);
    expect(image.mediaType).toBe(MediaType.ociManifest);
    expect(image.size).toBe((await stat(blobPath(dir, image.digest))).size);
  });

  it('records the uncompressed layer digests as diff_ids', async () => {
    const image = await buildImage(dir, 'v1', { layers: [{ files: { a: '1' } }, { files: { b: '2' }, gzip: false }] });
    const config = await readJsonBlob(image.configDigest);
    const [gzipped, plain] = image.layerDigests as [string, string];

    const gzippedTar = gunzipSync(await readFile(blobPath(dir, gzipped)));
    const expectedDiffIds = [`sha256:${createHash('sha256').update(gzippedTar).digest('hex')}`, plain];
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: expectedDiffIds });

    const manifest = image.manifest as { layers: Array<{ mediaType: string }> };
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([MediaType.ociLayerTarGzip, MediaType.ociLayerTar]);
  });

  it('writes the config fields of the spec', async () => {
    const image = await buildImage(dir, 'v1', {
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      seed: 'build-7',
      config: { user: '1001', created: '2024-05-01T10:00:00Z', env: ['PATH=/usr/bin'], labels: { team: 'db' } },
    });
    const config = await readJsonBlob(image.configDigest);

    expect(config).toMatchObject({
      created: '2024-05-01T10:00:00Z',
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      config: { User: '1001', Env: ['PATH=/usr/bin'], Labels: { team: 'db', [SEED_LABEL]: 'build-7' } },
    });
    expect(config.history).toEqual([{ created: '2024-05-01T10:00:00Z', created_by: 'tagkeeper test layer 0' }]);
  });

  it.each<[string, ImageSpec]>([
    ['the default spec', {}],
    ['a seed', { seed: 'abc' }],
    ['file and random layers', { layers: [{ files: { x: 'y' } }, { size: 100_000, seed: 'r' }] }],
    ['docker media types', { mediaTypes: 'docker', seed: 'd' }],
  ])('gives the same digest for the same spec with %s', async (_case, spec) => {
    const other = await makeTempDir('layout-test-copy');
    try {
      const first = await buildImage(dir, 'v1', spec);
      const second = await buildImage(other, 'v1', spec);
      expect(second.digest).toBe(first.digest);
    } finally {
      await removeDir(other);
    }
  });

  it.each<[string, ImageSpec, ImageSpec]>([
    ['seed', { seed: 'one' }, { seed: 'two' }],
    ['platform', {}, { platform: { os: 'linux', architecture: 'arm64' } }],
    ['random layer seed', { layers: [{ size: 64, seed: 'a' }] }, { layers: [{ size: 64, seed: 'b' }] }],
    ['media types', {}, { mediaTypes: 'docker' }],
  ])('gives another digest for another %s', async (_case, first, second) => {
    const a = await buildImage(dir, 'a', first);
    const b = await buildImage(dir, 'b', second);
    expect(b.digest).not.toBe(a.digest);
  });

  it('keeps several tags in one layout and moves a tag on rebuild', async () => {
    const one = await buildImage(dir, 'one', { seed: '1' });
    const two = await buildImage(dir, 'two', { seed: '2' });
    const moved = await buildImage(dir, 'one', { seed: '3' });
    const index = JSON.parse(await readFile(`${dir}/index.json`, 'utf8')) as LayoutIndex;

    const tags = Object.fromEntries(index.manifests.map((entry) => [entry.annotations?.[REF_NAME_ANNOTATION], entry.digest]));
    expect(tags).toEqual({ two: two.digest, one: moved.digest });
    expect(moved.digest).not.toBe(one.digest);
  });

  it('tags concurrent builds into one layout without losing any', async () => {
    const tags = ['a', 'b', 'c', 'd', 'e', 'f'];
    await Promise.all(tags.map((tag) => buildImage(dir, tag, { seed: tag })));
    const index = JSON.parse(await readFile(`${dir}/index.json`, 'utf8')) as LayoutIndex;

    expect(index.manifests.map((entry) => entry.annotations?.[REF_NAME_ANNOTATION]).sort()).toEqual(tags);
  });

  it('writes Docker schema 2 manifests and a dir: copy for skopeo', async () => {
    const image = await buildImage(dir, 'v1', { mediaTypes: 'docker' });
    const manifest = image.manifest as { mediaType: string; config: { mediaType: string }; layers: Array<{ mediaType: string }> };

    expect(image.mediaType).toBe(MediaType.dockerManifest);
    expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([MediaType.dockerLayerTarGzip]);
    expect(image.ref).toBe(`dir:${dir}/skopeo-dir/v1`);
    expect(await sha256OfFile(`${dir}/skopeo-dir/v1/manifest.json`)).toBe(image.digest);
  });

  it('streams a random layer of the requested size', async () => {
    const size = 3 * 1024 * 1024 + 5;
    const image = await buildImage(dir, 'big', { layers: [{ size, seed: 's', gzip: false }] });
    const layer = await readFile(blobPath(dir, image.layerDigests[0] as string));

    const expected = Buffer.concat([...randomBytesFromSeed('s', size)]);
    expect(layer.subarray(512, 512 + size).equals(expected)).toBe(true);
    expect(layer.length).toBe(512 + Math.ceil(size / 512) * 512 + 1024);
  });

  it('builds a 256 MiB layer without holding it in memory', async () => {
    const size = 256 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const image = await buildImage(dir, 'huge', { layers: [{ size, gzip: false }] });
      expect((await stat(blobPath(dir, image.layerDigests[0] as string))).size).toBeGreaterThan(size);
    } finally {
      clearInterval(sampler);
    }
    // Holding the layer would add at least its 256 MiB, while streaming keeps a few MiB of chunks in flight.
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });

  it.each<[string, string, ImageSpec, RegExp]>([
    ['an invalid tag', 'v1:bad', {}, /tag "v1:bad" is invalid/],
    ['a tag over 128 characters', 'a'.repeat(129), {}, /is invalid/],
    ['an uppercase platform', 'v1', { platform: { os: 'Linux', architecture: 'amd64' } }, /platform .* is invalid/],
    ['a negative layer size', 'v1', { layers: [{ size: -1 }] }, /size -1/],
    ['an uncompressed Docker layer', 'v1', { mediaTypes: 'docker', layers: [{ files: { a: 'b' }, gzip: false }] }, /gzip: false/],
    ['an escaping layer path', 'v1', { layers: [{ files: { '../x': 'b' } }] }, /is invalid/],
  ])('rejects %s', async (_case, tag, spec, message) => {
    await expect(buildImage(dir, tag, spec)).rejects.toThrow(message);
  });
});

describe('buildIndex', () => {
  const platforms: ImageSpec[] = [
    { platform: { os: 'linux', architecture: 'amd64' }, seed: 'x' },
    { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, seed: 'x' },
  ];

  it('writes an OCI index over one manifest per platform', async () => {
    const index = await buildIndex(dir, 'multi', platforms);
    const stored = await readJsonBlob(index.digest);

    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.configDigest).toBe('');
    expect(stored).toEqual(index.manifest);
    expect(stored.manifests).toEqual(
      (index.platforms ?? []).map((image) => ({
        mediaType: MediaType.ociManifest,
        digest: image.digest,
        size: image.size,
        platform: image.platform,
      })),
    );
    expect((index.platforms ?? []).map((image) => image.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(index.layerDigests).toEqual((index.platforms ?? []).flatMap((image) => image.layerDigests));
  });

  it('writes a Docker manifest list for Docker media types', async () => {
    const index = await buildIndex(
      dir,
      'multi',
      platforms.map((spec) => ({ ...spec, mediaTypes: 'docker' as const })),
    );
    const stored = (await readJsonBlob(index.digest)) as { mediaType: string; manifests: Array<{ mediaType: string }> };

    expect(stored.mediaType).toBe(MediaType.dockerManifestList);
    expect(stored.manifests.map((entry) => entry.mediaType)).toEqual([MediaType.dockerManifest, MediaType.dockerManifest]);
    expect(index.ref).toBe(`dir:${dir}/skopeo-dir/multi`);
  });

  it('gives the same digest for the same platforms', async () => {
    const first = await buildIndex(dir, 'a', platforms);
    const second = await buildIndex(dir, 'b', platforms);
    expect(second.digest).toBe(first.digest);
  });

  it.each<[string, ImageSpec[], RegExp]>([
    ['no platforms', [], /at least one platform/],
    ['a platform twice', [{}, { seed: 'other' }], /listed twice/],
    ['mixed media types', [{}, { mediaTypes: 'docker', platform: { os: 'linux', architecture: 'arm64' } }], /mix/],
  ])('rejects %s', async (_case, specs, message) => {
    await expect(buildIndex(dir, 'multi', specs)).rejects.toThrow(message);
  });
});
