import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/registry/client.js';
import { computeDigest } from '../../src/registry/digest.js';
import { MediaType } from '../../src/registry/wire.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoDigest, skopeoInspectRaw, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { anonymousClient } from './real-client.js';

const registry = useDistribution();
let layout: string;
let client: RegistryClient;
const images: Record<string, BuiltImage> = {};

const linux = (architecture: string, variant?: string) => ({ os: 'linux', architecture, ...(variant ? { variant } : {}) });

beforeAll(async () => {
  layout = await makeTempDir('manifests-layout');
  client = anonymousClient();
  images.single = await buildImage(layout, 'single', { seed: 'single' });
  images.docker = await buildImage(layout, 'docker', { seed: 'docker', mediaTypes: 'docker' });
  images.index = await buildIndex(layout, 'index', [
    { seed: 'index', platform: linux('amd64') },
    { seed: 'index', platform: linux('arm64', 'v8') },
  ]);
  images.list = await buildIndex(layout, 'list', [
    { seed: 'list', platform: linux('amd64'), mediaTypes: 'docker' },
    { seed: 'list', platform: linux('arm', 'v7'), mediaTypes: 'docker' },
  ]);
  for (const [name, image] of Object.entries(images)) {
    await pushImage(image, registry(), `manifests/${name}:1`);
  }
});

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
});

describe('manifests against Distribution', () => {
  it.each(['single', 'docker', 'index', 'list'])('headManifest of %s gives the digest skopeo reports', async (name) => {
    const reference = `${registry().host}/manifests/${name}:1`;
    const descriptor = await client.headManifest(reference);

    expect(descriptor.digest).toBe(await skopeoDigest(`docker://${reference}`));
    expect(descriptor.digest).toBe(images[name]?.digest);
    expect(descriptor.mediaType).toBe(images[name]?.mediaType);
    expect(descriptor.size).toBe(images[name]?.size);
  });

  it.each(['single', 'docker', 'index', 'list'])('getManifest of %s returns the bytes skopeo reads', async (name) => {
    const fetched = await client.getManifest(`${registry().host}/manifests/${name}:1`);
    const raw = await skopeoInspectRaw(`docker://${registry().host}/manifests/${name}:1`);

    expect(fetched.bytes.equals(raw)).toBe(true);
    expect(fetched.descriptor.digest).toBe(computeDigest(raw));
    expect(fetched.manifest).toEqual(images[name]?.manifest);
  });

  it('fetches a manifest by digest', async () => {
    const image = images.index as BuiltImage;
    const fetched = await client.getManifest(`${registry().host}/manifests/index@${image.digest}`);
    expect(fetched.descriptor).toEqual({ mediaType: MediaType.ociIndex, digest: image.digest, size: image.size });
  });

  it.each([
    ['index', linux('arm64'), 1],
    ['index', linux('amd64'), 0],
    ['list', linux('arm', 'v7'), 1],
  ])('resolvePlatform picks the %s child for %j', async (name, platform, position) => {
    const resolved = await client.resolvePlatform(`${registry().host}/manifests/${name}:1`, platform);
    expect(resolved.digest).toBe(images[name]?.platforms?.[position]?.digest);
  });

  it('resolvePlatform checks a single image against its config', async () => {
    const reference = `${registry().host}/manifests/single:1`;
    expect((await client.resolvePlatform(reference, linux('amd64'))).digest).toBe(images.single?.digest);
    await expect(client.resolvePlatform(reference, linux('arm64'))).rejects.toThrow(/available platforms: linux\/amd64$/);
  });

  it('putManifest adds a tag skopeo then sees', async () => {
    const source = await client.getManifest(`${registry().host}/manifests/index:1`);
    const digest = await client.putManifest(`${registry().host}/manifests/index:copy`, source.bytes, source.descriptor.mediaType);

    expect(digest).toBe(images.index?.digest);
    expect(await skopeoDigest(`docker://${registry().host}/manifests/index:copy`)).toBe(digest);
    expect(await skopeoListTags(`docker://${registry().host}/manifests/index`)).toEqual(expect.arrayContaining(['1', 'copy']));
  });

  it('putManifest by digest stores an untagged manifest', async () => {
    const source = await client.getManifest(`${registry().host}/manifests/single:1`);
    const image = images.single as BuiltImage;
    for (const blob of [image.configDigest, ...image.layerDigests]) {
      expect(await client.mountBlob(`${registry().host}/manifests/untagged`, blob, 'manifests/single')).toEqual({ mounted: true });
    }
    const digest = await client.putManifest(`${registry().host}/manifests/untagged@${source.descriptor.digest}`, source.bytes, source.descriptor.mediaType);
    expect(digest).toBe(source.descriptor.digest);
    expect(await skopeoDigest(`docker://${registry().host}/manifests/untagged@${digest}`)).toBe(digest);
  });

  it('reports a missing tag and a missing repository as NotFoundError', async () => {
    await expect(client.headManifest(`${registry().host}/manifests/single:missing`)).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    await expect(client.getManifest(`${registry().host}/manifests/single:missing`)).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 'MANIFEST_UNKNOWN',
      reference: `${registry().host}/manifests/single:missing`,
    });
    // Distribution 2.8 returns MANIFEST_UNKNOWN for a manifest of a repository it does not have.
    await expect(client.getManifest(`${registry().host}/nothing/here:1`)).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 'MANIFEST_UNKNOWN',
      message: expect.stringContaining(`${registry().host}/nothing/here:1 not found`),
    });
  });

  it('deleteManifest removes the manifest and every tag on it', async () => {
    const image = await buildImage(layout, 'doomed', { seed: 'doomed' });
    await pushImage(image, registry(), 'manifests/doomed:1');
    const source = await client.getManifest(`${registry().host}/manifests/doomed:1`);
    await client.putManifest(`${registry().host}/manifests/doomed:2`, source.bytes, source.descriptor.mediaType);

    expect(await client.deleteManifest(`${registry().host}/manifests/doomed:1`)).toBe(image.digest);
    await expect(client.headManifest(`${registry().host}/manifests/doomed@${image.digest}`)).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await skopeoListTags(`docker://${registry().host}/manifests/doomed`)).toEqual([]);
    await expect(client.deleteManifest(`${registry().host}/manifests/doomed@${image.digest}`)).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
