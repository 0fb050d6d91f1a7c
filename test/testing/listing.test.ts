import { describe, expect, it } from 'vitest';

import type { MemoryRegistry } from '../../src/testing/index.js';
import { errorCodes, header, pushBlob, pushImage, putManifest, send, startRegistry } from './helpers.js';

/** Tags in push order; the registry must list them in byte order. */
const TAGS = ['latest', '1.0', '1.10', '1.2', 'A', '_x', '1.0-debian-12-r0', 'a'];
const SORTED = ['1.0', '1.0-debian-12-r0', '1.10', '1.2', 'A', '_x', 'a', 'latest'];

async function pushTags(registry: MemoryRegistry, repository: string, tags: readonly string[]): Promise<void> {
  const image = await pushImage(registry, repository, tags[0] ?? 'latest');
  for (const tag of tags.slice(1)) {
    await putManifest(registry, repository, tag, image.manifest);
  }
}

/** Follows `Link: <…>; rel="next"` from `path` and returns every page and the URLs requested. */
async function followPages(
  registry: MemoryRegistry,
  path: string,
  key: 'tags' | 'repositories',
): Promise<{ pages: string[][]; links: string[] }> {
  const pages: string[][] = [];
  const links: string[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const reply = await send(registry, 'GET', next);
    expect(reply.status).toBe(200);
    pages.push((reply.json as Record<string, string[]>)[key] ?? []);
    const link = header(reply, 'link');
    next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
    if (link !== undefined) {
      expect(next, `malformed Link header ${link}`).toBeDefined();
      links.push(link);
    }
    expect(pages.length).toBeLessThan(20);
  }
  return { pages, links };
}

describe('tags/list', () => {
  it('lists every tag in lexical byte order', async () => {
    const registry = await startRegistry();
    await pushTags(registry, 'team/app', TAGS);

    const reply = await send(registry, 'GET', '/v2/team/app/tags/list');

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ name: 'team/app', tags: SORTED });
    expect(header(reply, 'link')).toBeUndefined();
    expect(registry.tags('team/app')).toEqual(SORTED);
  });

  it.each([
    [1, undefined, [['1.0'], ['1.0-debian-12-r0'], ['1.10'], ['1.2'], ['A'], ['_x'], ['a'], ['latest']]],
    [3, undefined, [['1.0', '1.0-debian-12-r0', '1.10'], ['1.2', 'A', '_x'], ['a', 'latest']]],
    [4, undefined, [['1.0', '1.0-debian-12-r0', '1.10', '1.2'], ['A', '_x', 'a', 'latest']]],
    [8, undefined, [SORTED]],
    [100, undefined, [SORTED]],
    [3, '1.10', [['1.2', 'A', '_x'], ['a', 'latest']]],
    [3, '1.1', [['1.10', '1.2', 'A'], ['_x', 'a', 'latest']]],
    [3, 'zzz', [[]]],
  ])('pages with n=%i and last=%s', async (n, last, expected) => {
    const registry = await startRegistry();
    await pushTags(registry, 'app', TAGS);
    const query = last === undefined ? `n=${n}` : `n=${n}&last=${last}`;

    const { pages, links } = await followPages(registry, `/v2/app/tags/list?${query}`, 'tags');

    expect(pages).toEqual(expected);
    expect(links).toEqual(
      expected.slice(0, -1).map((page) => `</v2/app/tags/list?last=${page[page.length - 1]}&n=${n}>; rel="next"`),
    );
  });

  it('responds to n=0 with an empty page and no Link', async () => {
    const registry = await startRegistry();
    await pushTags(registry, 'app', TAGS);

    const reply = await send(registry, 'GET', '/v2/app/tags/list?n=0');

    expect(reply.json).toEqual({ name: 'app', tags: null });
    expect(header(reply, 'link')).toBeUndefined();
  });

  it('pages by the default page size when the client sends no n', async () => {
    const registry = await startRegistry({ pageSize: 5 });
    await pushTags(registry, 'app', TAGS);

    const { pages, links } = await followPages(registry, '/v2/app/tags/list', 'tags');

    expect(pages).toEqual([SORTED.slice(0, 5), SORTED.slice(5)]);
    expect(links).toEqual(['</v2/app/tags/list?last=A&n=5>; rel="next"']);
  });

  it.each([
    ['a negative n', 'n=-1'],
    ['a fractional n', 'n=1.5'],
    ['a word', 'n=ten'],
    ['an n above the maximum page size', 'n=11'],
  ])('responds to %s with 400 PAGINATION_NUMBER_INVALID', async (_case, query) => {
    const registry = await startRegistry({ maxPageSize: 10 });
    await pushTags(registry, 'app', TAGS);

    const reply = await send(registry, 'GET', `/v2/app/tags/list?${query}`);

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['PAGINATION_NUMBER_INVALID']);
  });

  it('accepts n equal to the maximum page size', async () => {
    const registry = await startRegistry({ maxPageSize: 8 });
    await pushTags(registry, 'app', TAGS);

    const reply = await send(registry, 'GET', '/v2/app/tags/list?n=8');

    expect(reply.status).toBe(200);
  });

  it.each([
    ['an unknown repository', async () => undefined],
    ['a repository with blobs only', async (registry: MemoryRegistry) => void (await pushBlob(registry, 'app', 'x'))],
    [
      'a repository with untagged manifests only',
      async (registry: MemoryRegistry) => {
        const image = await pushImage(registry, 'other', 'x');
        await pushImage(registry, 'app', image.digest, { seed: 'x' });
      },
    ],
  ])('responds to %s with 404 NAME_UNKNOWN', async (_case, prepare) => {
    const registry = await startRegistry();
    await prepare(registry);

    const reply = await send(registry, 'GET', '/v2/app/tags/list');

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['NAME_UNKNOWN']);
    expect(reply.json).toMatchObject({ errors: [{ detail: { name: 'app' } }] });
  });

  it('lists tags as null once every tag was deleted, like Distribution', async () => {
    const registry = await startRegistry();
    await pushImage(registry, 'app', 'only');
    await send(registry, 'DELETE', '/v2/app/manifests/only');

    const reply = await send(registry, 'GET', '/v2/app/tags/list');

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ name: 'app', tags: null });
  });
});

describe('_catalog', () => {
  const REPOSITORIES = ['b/app', 'a', 'c', 'b', 'a/z'];

  it('lists repositories with a manifest or a blob, sorted', async () => {
    const registry = await startRegistry();
    for (const repository of REPOSITORIES) {
      await pushBlob(registry, repository, repository);
    }
    await send(registry, 'POST', '/v2/only-an-upload/blobs/uploads/');

    const reply = await send(registry, 'GET', '/v2/_catalog');

    expect(reply.json).toEqual({ repositories: ['a', 'a/z', 'b', 'b/app', 'c'] });
    expect(registry.repositories()).toEqual(['a', 'a/z', 'b', 'b/app', 'c']);
  });

  it('pages with n and last and encodes names with slashes', async () => {
    const registry = await startRegistry();
    for (const repository of REPOSITORIES) {
      await pushBlob(registry, repository, repository);
    }

    const { pages, links } = await followPages(registry, '/v2/_catalog?n=2', 'repositories');

    expect(pages).toEqual([['a', 'a/z'], ['b', 'b/app'], ['c']]);
    expect(links).toEqual([
      '</v2/_catalog?last=a%2Fz&n=2>; rel="next"',
      '</v2/_catalog?last=b%2Fapp&n=2>; rel="next"',
    ]);
  });

  it('lists an empty registry as no repositories', async () => {
    const registry = await startRegistry();

    const reply = await send(registry, 'GET', '/v2/_catalog');

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ repositories: [] });
  });

  it('applies the maximum page size to the catalog', async () => {
    const registry = await startRegistry({ maxPageSize: 2 });

    const reply = await send(registry, 'GET', '/v2/_catalog?n=3');

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['PAGINATION_NUMBER_INVALID']);
  });
});
