import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/registry/client.js';
import { computeDigest } from '../../src/registry/digest.js';
import { blobPath } from '../support/blobs.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoCopy, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { anonymousClient } from './real-client.js';

const source = useDistribution();
const mirror = useDistribution();
let layout: string;
let client: RegistryClient;
let index: BuiltImage;
let list: BuiltImage;
let large: BuiltImage;

interface ManifestBlobs {
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number }>;
}

/** Lists every blob of a built image or index, each once, with its size. */
function blobsOf(image: BuiltImage): Map<string, number> {
  const blobs = new Map<string, number>();
  const manifests = (image.platforms?.map((platform) => platform.manifest) ?? [image.manifest]) as unknown as ManifestBlobs[];
  for (const manifest of manifests) {
    for (const blob of [manifest.config, ...manifest.layers]) {
      blobs.set(blob.digest, blob.size);
    }
  }
  return blobs;
}

/** Lists the digests of every manifest of a built image: the top one and its children. */
function manifestsOf(image: BuiltImage): string[] {
  return [image.digest, ...(image.platforms?.map((platform) => platform.digest) ?? [])];
}

beforeAll(async () => {
  layout = await makeTempDir('copy-layout');
  client = anonymousClient();
  index = await buildIndex(layout, 'index', [
    { seed: 'copy', platform: { os: 'linux', architecture: 'amd64' }, layers: [{ size: 200_000 }, { files: { 'etc/motd': 'shared\n' } }] },
    { seed: 'copy', platform: { os: 'linux', architecture: 'arm64' }, layers: [{ size: 150_000 }, { files: { 'etc/motd': 'shared\n' } }] },
  ]);
  list = await buildIndex(layout, 'list', [
    { seed: 'list', platform: { os: 'linux', architecture: 'amd64' }, mediaTypes: 'docker' },
    { seed: 'list', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, mediaTypes: 'docker' },
  ]);
  large = await buildImage(layout, 'large', { seed: 'large', layers: [{ size: 24 * 1024 * 1024, gzip: false }, { size: 1024 }] });
  await pushImage(index, source(), 'apps/index:1');
  await pushImage(list, source(), 'apps/list:1');
  await pushImage(large, source(), 'apps/large:1');
}, 120_000);

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
});

describe('copyImage against Distribution', () => {
  it('shares the layer both platforms of the index use', () => {
    const perPlatform = (index.platforms ?? []).reduce((count, platform) => count + platform.layerDigests.length + 1, 0);
    expect(blobsOf(index).size).toBe(perPlatform - 1);
  });

  it('mounts blobs between repositories of one registry', async () => {
    const result = await client.copyImage(`${source().host}/apps/index:1`, `${source().host}/copies/index:1`);

    expect(result).toEqual({
      destination: `${source().host}/copies/index:1@${index.digest}`,
      digest: index.digest,
      mediaType: index.mediaType,
      manifests: 3,
      blobs: { copied: 0, mounted: blobsOf(index).size, skipped: 0 },
      bytesCopied: 0,
    });
    expect(await skopeoDigest(`docker://${source().host}/copies/index:1`)).toBe(index.digest);
  });

  it('streams blobs between registries and keeps every byte', async () => {
    const result = await client.copyImage(`${source().host}/apps/index:1`, `${mirror().host}/mirror/index:2`, { concurrency: 2 });

    const sizes = [...blobsOf(index).values()].reduce((sum, size) => sum + size, 0);
    expect(result.blobs).toEqual({ copied: blobsOf(index).size, mounted: 0, skipped: 0 });
    expect(result.bytesCopied).toBe(sizes);
    expect(result.digest).toBe(index.digest);

    const back = path.join(layout, 'pulled-back');
    await skopeoCopy(`docker://${mirror().host}/mirror/index:2`, `oci:${back}:index`, { all: true, preserveDigests: true });
    for (const digest of [...manifestsOf(index), ...blobsOf(index).keys()]) {
      const original = await readFile(blobPath(layout, digest));
      const copied = await readFile(blobPath(back, digest));
      expect(copied.equals(original), `blob ${digest} differs after the round trip`).toBe(true);
      expect(computeDigest(copied)).toBe(digest);
    }
  });

  it('skips every blob the destination already has', async () => {
    const result = await client.copyImage(`${source().host}/apps/index:1`, `${mirror().host}/mirror/index:again`);

    expect(result.blobs).toEqual({ copied: 0, mounted: 0, skipped: blobsOf(index).size });
    expect(await skopeoListTags(`docker://${mirror().host}/mirror/index`)).toEqual(expect.arrayContaining(['2', 'again']));
  });

  it('copies a Docker manifest list with its digest', async () => {
    const result = await client.copyImage(`${source().host}/apps/list:1`, `${mirror().host}/mirror/list`);

    expect(result.destination).toBe(`${mirror().host}/mirror/list:1@${list.digest}`);
    expect(await skopeoDigest(`docker://${mirror().host}/mirror/list:1`)).toBe(list.digest);
    for (const platform of list.platforms ?? []) {
      expect(await skopeoDigest(`docker://${mirror().host}/mirror/list@${platform.digest}`)).toBe(platform.digest);
    }
  });

  it('streams a large layer across registries', async () => {
    const result = await client.copyImage(`${source().host}/apps/large:1`, `${mirror().host}/mirror/large:1`);

    expect(result.blobs.copied).toBe(3);
    expect(result.bytesCopied).toBe([...blobsOf(large).values()].reduce((sum, size) => sum + size, 0));
    expect(result.bytesCopied).toBeGreaterThan(24 * 1024 * 1024);
    expect(await skopeoDigest(`docker://${mirror().host}/mirror/large:1`)).toBe(large.digest);
  });

  it('copies by digest into an untagged manifest', async () => {
    const result = await client.copyImage(`${source().host}/apps/index@${index.digest}`, `${mirror().host}/mirror/untagged`);

    expect(result.destination).toBe(`${mirror().host}/mirror/untagged@${index.digest}`);
    expect((await client.headManifest(`${mirror().host}/mirror/untagged@${index.digest}`)).digest).toBe(index.digest);
    // Distribution returns 404 NAME_UNKNOWN for the tag list of a repository without tags.
    await expect(client.listTags(`${mirror().host}/mirror/untagged`)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('reports a missing source and writes nothing', async () => {
    await expect(client.copyImage(`${source().host}/apps/missing:1`, `${mirror().host}/mirror/missing:1`)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(client.listTags(`${mirror().host}/mirror/missing`)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('stops before the manifest when a layer is corrupted at the source', async () => {
    const image = await buildImage(layout, 'corrupt', { seed: 'corrupt', layers: [{ size: 100_000 }] });
    await pushImage(image, source(), 'apps/corrupt:1');
    const layer = image.layerDigests[0] ?? '';
    const hex = layer.slice('sha256:'.length);
    // Distribution serves blobs from disk without checking them, so a flipped byte reaches the client.
    const stored = path.join(source().storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const content = await readFile(stored);
    content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 0xff;
    await writeFile(stored, content);

    await expect(client.copyImage(`${source().host}/apps/corrupt:1`, `${mirror().host}/mirror/corrupt:1`)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      expected: layer,
    });
    expect(await client.blobExists(`${mirror().host}/mirror/corrupt`, layer)).toBe(false);
    await expect(client.headManifest(`${mirror().host}/mirror/corrupt:1`)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('rejects a destination digest that differs from the source', async () => {
    const other = computeDigest('other');
    await expect(client.copyImage(`${source().host}/apps/index:1`, `${mirror().host}/mirror/pinned@${other}`)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      expected: other,
      actual: index.digest,
    });
  });
});
