import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/registry/client.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { anonymousClient } from './real-client.js';

const registry = useDistribution();
let layout: string;
let client: RegistryClient;
let image: BuiltImage;

/** Tags put on one manifest in the large repository: more than one page of 1,000. */
const MANY = 1234;

beforeAll(async () => {
  layout = await makeTempDir('tags-layout');
  client = anonymousClient();
  image = await buildImage(layout, 'base', { seed: 'tags' });
  await pushImage(image, registry(), 'tags/small:3.4.13-debian-10-r8');

  // Many tags made cheaply: one manifest put under many tags.
  const manifest = await client.getManifest(`${registry().host}/tags/small:3.4.13-debian-10-r8`);
  await pushImage(image, registry(), 'tags/large:seed');
  const tags = Array.from({ length: MANY }, (_, index) => `1.${Math.floor(index / 100)}.${index % 100}-r${index}`);
  for (let start = 0; start < tags.length; start += 32) {
    await Promise.all(
      tags.slice(start, start + 32).map((tag) => client.putManifest(`${registry().host}/tags/large:${tag}`, manifest.bytes, manifest.descriptor.mediaType)),
    );
  }
  for (const tag of ['3', '3.4', 'latest', '3-debian-10']) {
    await client.putManifest(`${registry().host}/tags/small:${tag}`, manifest.bytes, manifest.descriptor.mediaType);
  }
}, 180_000);

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
});

describe('listTags against Distribution', () => {
  it('equals the tags skopeo lists', async () => {
    const listing = await client.listTags(`${registry().host}/tags/small`);

    expect(listing.repository).toBe(`${registry().host}/tags/small`);
    expect(listing.tags).toEqual(await skopeoListTags(`docker://${registry().host}/tags/small`));
    expect([...listing.tags].sort()).toEqual(['3', '3-debian-10', '3.4', '3.4.13-debian-10-r8', 'latest']);
    expect(listing.invalidTags).toEqual([]);
  });

  it.each([
    ['the default page size', undefined],
    ['pages of 100', 100],
    ['pages of 7', 7],
  ])('lists more than 1,000 tags with %s', async (_case, pageSize) => {
    const lines: string[] = [];
    const counting = anonymousClient((line) => lines.push(line));
    const listing = await counting.listTags(`${registry().host}/tags/large`, pageSize === undefined ? {} : { pageSize });
    await counting.close();
    const fromSkopeo = await skopeoListTags(`docker://${registry().host}/tags/large`);

    // Distribution 2.8 ignores `n` for tag lists and sends every tag in one page without Link.
    const pages = lines.filter((line) => line.includes('GET') && line.includes('/tags/list')).length;
    expect(pages).toBe(1);

    expect(listing.tags).toHaveLength(MANY + 1);
    expect(new Set(listing.tags).size).toBe(MANY + 1);
    expect([...listing.tags].sort()).toEqual([...fromSkopeo].sort());
  });

  it('reports a repository the registry does not know as NotFoundError', async () => {
    await expect(client.listTags(`${registry().host}/tags/missing`)).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 'NAME_UNKNOWN',
      message: expect.stringContaining(`${registry().host}/tags/missing not found`),
    });
  });

  it('rejects a repository string with a tag', async () => {
    await expect(client.listTags(`${registry().host}/tags/small:3`)).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
  });
});

describe('listRepositories against Distribution', () => {
  it.each([
    [undefined, 1],
    [1, 2],
  ])('lists every repository with page size %s in %i or more pages', async (pageSize, minimumPages) => {
    const lines: string[] = [];
    const counting = anonymousClient((line) => lines.push(line));
    const listing = await counting.listRepositories(registry().host, pageSize === undefined ? {} : { pageSize });
    await counting.close();

    expect(listing.repositories).toEqual(['tags/large', 'tags/small']);
    expect(listing.invalidRepositories).toEqual([]);
    expect(lines.filter((line) => line.includes('GET') && line.includes('/v2/_catalog')).length).toBeGreaterThanOrEqual(minimumPages);
  });
});
