import { afterEach, describe, expect, it } from 'vitest';
import { listRepositories } from '../../src/registry/catalog.js';
import { parseRepository } from '../../src/registry/reference.js';
import { listTags } from '../../src/registry/tags.js';
import { errorBody, JSON_HEADERS, mockRegistry, type MockRegistry } from './mock-registry.js';

let mock: MockRegistry;
afterEach(async () => {
  await mock.finish();
});

const repository = () => parseRepository(`${mock.registry}/team/app`);
const page = (tags: Array<string | null> | null) => JSON.stringify({ name: 'team/app', tags });
const names = (count: number, prefix = 't') => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe('listTags pagination', () => {
  it('follows relative and absolute Link headers', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['a', 'b']), {
      headers: { ...JSON_HEADERS, link: '</v2/team/app/tags/list?n=2&last=b>; rel="next"' },
    });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2&last=b', method: 'GET' }).reply(200, page(['c', 'd']), {
      headers: { ...JSON_HEADERS, link: `<${mock.origin}/v2/team/app/tags/list?n=2&last=d>; rel="next"` },
    });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2&last=d', method: 'GET' }).reply(200, page(['e']), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository())).tags).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('follows a Link relative to the current path', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['a']), {
      headers: { ...JSON_HEADERS, link: '<list?n=1000&last=a>; rel="next"' },
    });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000&last=a', method: 'GET' }).reply(200, page(['b']), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository())).tags).toEqual(['a', 'b']);
  });

  it('rejects a Link to another origin', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['a']), {
      headers: { ...JSON_HEADERS, link: '<https://elsewhere.example/v2/team/app/tags/list?last=a>; rel="next"' },
    });

    await expect(listTags(mock.transport, repository())).rejects.toMatchObject({
      name: 'InvalidResponseError',
      code: 'CROSS_ORIGIN_LINK',
      message: expect.stringContaining('another origin (https://elsewhere.example)'),
    });
  });

  it('rejects a Link loop', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['a']), {
      headers: { ...JSON_HEADERS, link: '</v2/team/app/tags/list?last=a>; rel="next"' },
    });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?last=a', method: 'GET' }).reply(200, page(['b']), {
      headers: { ...JSON_HEADERS, link: '</v2/team/app/tags/list?n=1000>; rel="next"' },
    });

    await expect(listTags(mock.transport, repository())).rejects.toMatchObject({ code: 'PAGINATION_LOOP' });
  });

  it('stops after maxPages', async () => {
    mock = mockRegistry();
    for (let index = 0; index < 3; index += 1) {
      const path = index === 0 ? '/v2/team/app/tags/list?n=1000' : `/v2/team/app/tags/list?last=p${index}`;
      mock.pool.intercept({ path, method: 'GET' }).reply(200, page([`p${index + 1}`]), {
        headers: { ...JSON_HEADERS, link: `</v2/team/app/tags/list?last=p${index + 1}>; rel="next"` },
      });
    }

    await expect(listTags(mock.transport, repository(), { maxPages: 3 })).rejects.toMatchObject({
      code: 'PAGINATION_LIMIT',
      message: expect.stringContaining('read 3 pages'),
    });
  });

  it('drops null entries and duplicates and reports invalid tags', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['b', null, 'a', 'b', '-bad', 'a', 'has space', null]), {
      headers: { ...JSON_HEADERS, link: '</v2/team/app/tags/list?last=x>; rel="next"' },
    });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?last=x', method: 'GET' }).reply(200, page(['c', 'b']), { headers: JSON_HEADERS });

    expect(await listTags(mock.transport, repository())).toEqual({
      repository: `${mock.registry}/team/app`,
      tags: ['b', 'a', 'c'],
      invalidTags: ['-bad', 'has space'],
    });
  });

  it.each([
    ['null tags', page(null)],
    ['no tags field', JSON.stringify({ name: 'team/app' })],
  ])('returns an empty list for %s', async (_case, body) => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, body, { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository())).tags).toEqual([]);
  });

  it('keeps the registry order, not lexical order', async () => {
    mock = mockRegistry();
    const order = ['latest', '3.10', '3.9', '10', '2', 'a', 'B'];
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(order), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository())).tags).toEqual(order);
  });

  it('retries with n=1000 when the registry caps n (ECR)', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path: '/v2/team/app/tags/list?n=5000', method: 'GET' })
      .reply(400, errorBody('UNSUPPORTED', "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'"), { headers: JSON_HEADERS });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, page(['a']), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository(), { pageSize: 5000 })).tags).toEqual(['a']);
  });

  it('steps down to n=100 and then no n', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(400, errorBody('PAGINATION_NUMBER_INVALID', 'invalid number of results requested'), { headers: JSON_HEADERS });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=100', method: 'GET' }).reply(400, 'bad request', { headers: { 'content-type': 'text/plain' } });
    mock.pool.intercept({ path: '/v2/team/app/tags/list', method: 'GET' }).reply(200, page(['a']), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository())).tags).toEqual(['a']);
  });

  it('reports the last rejection when every page size fails', async () => {
    mock = mockRegistry();
    for (const path of ['/v2/team/app/tags/list?n=1000', '/v2/team/app/tags/list?n=100', '/v2/team/app/tags/list']) {
      mock.pool.intercept({ path, method: 'GET' }).reply(400, errorBody('UNSUPPORTED', 'no listing here'), { headers: JSON_HEADERS });
    }

    await expect(listTags(mock.transport, repository())).rejects.toMatchObject({ name: 'RegistryError', code: 'UNSUPPORTED', status: 400 });
  });

  it('does not retry a 400 about the name', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(400, errorBody('NAME_INVALID', 'invalid repository name'), { headers: JSON_HEADERS });

    await expect(listTags(mock.transport, repository())).rejects.toMatchObject({ code: 'NAME_INVALID' });
  });

  it('reads a registry that pages at 100 whatever n asks', async () => {
    mock = mockRegistry();
    const all = names(250);
    for (let start = 0; start < all.length; start += 100) {
      const path = start === 0 ? '/v2/team/app/tags/list?n=1000' : `/v2/team/app/tags/list?last=${all[start - 1]}&n=100`;
      const next = start + 100 < all.length ? { link: `</v2/team/app/tags/list?last=${all[start + 99]}&n=100>; rel="next"` } : {};
      mock.pool.intercept({ path, method: 'GET' }).reply(200, page(all.slice(start, start + 100)), { headers: { ...JSON_HEADERS, ...next } });
    }

    expect((await listTags(mock.transport, repository())).tags).toEqual(all);
  });

  it('continues a full page without Link using last', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2', method: 'GET' }).reply(200, page(['a', 'b']), { headers: JSON_HEADERS });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2&last=b', method: 'GET' }).reply(200, page(['c', 'd']), { headers: JSON_HEADERS });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2&last=d', method: 'GET' }).reply(200, page([]), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository(), { pageSize: 2 })).tags).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops when a registry ignores last', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2', method: 'GET' }).reply(200, page(['a', 'b']), { headers: JSON_HEADERS });
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=2&last=b', method: 'GET' }).reply(200, page(['a', 'b']), { headers: JSON_HEADERS });

    expect((await listTags(mock.transport, repository(), { pageSize: 2 })).tags).toEqual(['a', 'b']);
  });

  it('turns 404 NAME_UNKNOWN into NotFoundError naming the repository', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(404, errorBody('NAME_UNKNOWN', 'repository name not known to registry'), { headers: JSON_HEADERS });

    const error = await listTags(mock.transport, repository()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'NotFoundError', code: 'NAME_UNKNOWN', reference: `${mock.registry}/team/app` });
    expect((error as Error).message).toContain(`${mock.registry}/team/app not found`);
  });

  it.each([
    ['not JSON', '<html></html>', 'INVALID_JSON'],
    ['tags of the wrong type', JSON.stringify({ tags: 'latest' }), 'INVALID_TAG_LIST'],
  ])('rejects a page that is %s', async (_case, body, code) => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/tags/list?n=1000', method: 'GET' }).reply(200, body, { headers: JSON_HEADERS });

    await expect(listTags(mock.transport, repository())).rejects.toMatchObject({ name: 'InvalidResponseError', code });
  });

  it('rejects a page size that is not a positive integer', async () => {
    mock = mockRegistry();
    await expect(listTags(mock.transport, repository(), { pageSize: 0 })).rejects.toThrow(/pageSize must be a positive integer/);
  });
});

describe('listRepositories', () => {
  it('pages through the catalog and reports invalid names', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/_catalog?n=1000', method: 'GET' }).reply(200, JSON.stringify({ repositories: ['a', 'team/app', null] }), {
      headers: { ...JSON_HEADERS, link: '</v2/_catalog?last=team%2Fapp&n=1000>; rel="next"' },
    });
    mock.pool.intercept({ path: '/v2/_catalog?last=team%2Fapp&n=1000', method: 'GET' }).reply(200, JSON.stringify({ repositories: ['Upper/Case', 'z', 'a'] }), { headers: JSON_HEADERS });

    expect(await listRepositories(mock.transport, mock.registry)).toEqual({
      registry: mock.registry,
      repositories: ['a', 'team/app', 'z'],
      invalidRepositories: ['Upper/Case'],
    });
  });
});
