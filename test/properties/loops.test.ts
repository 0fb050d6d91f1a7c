/**
 * Registries that never stop paging or redirecting, served by a strict
 * undici MockAgent with no network: random page graphs (Link headers that
 * point forward, back, at themselves, at another origin or at garbage),
 * endless distinct pages, and redirect cycles. Every listing and download
 * ends, with the entries or a typed error, after a bounded number of requests.
 */
import fc from 'fast-check';
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { getBlob } from '../../src/registry/blobs.js';
import { listTags } from '../../src/registry/tags.js';
import { parseRepository } from '../../src/registry/reference.js';
import { createTransport } from '../../src/registry/transport/index.js';
import { MAX_REDIRECTS } from '../../src/registry/transport/redirects.js';
import type { RegistryTransport } from '../../src/registry/transport-types.js';

const ORIGIN = 'https://registry.example';
const DIGEST = `sha256:${'c3'.repeat(32)}`;

interface Mock {
  transport: RegistryTransport;
  requests: string[];
  close(): Promise<void>;
}

/** Creates a transport on a MockAgent that responds to every GET with `answer(path)` and refuses the network. */
function mockTransport(answer: (path: string) => { status: number; body: string; headers: Record<string, string> }): Mock {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: string[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: 'GET' })
    .reply((options) => {
      requests.push(options.path);
      const { status, body, headers } = answer(options.path);
      return { statusCode: status, data: body, responseOptions: { headers } };
    })
    .persist();
  const transport = createTransport({ dispatcher: agent, credentials: { get: async () => undefined }, retry: { maxAttempts: 1 }, env: {} });
  return {
    transport,
    requests,
    async close() {
      await transport.close();
      await agent.close();
    },
  };
}

/** What a page's Link header points to. */
type LinkTarget = { kind: 'page'; page: number } | { kind: 'none' } | { kind: 'other-origin' } | { kind: 'garbage'; text: string };

const linkTarget: fc.Arbitrary<LinkTarget> = fc.oneof(
  fc.record({ kind: fc.constant('page' as const), page: fc.nat({ max: 7 }) }),
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'other-origin' as const }),
  fc.record({ kind: fc.constant('garbage' as const), text: fc.string({ maxLength: 40 }) }),
);

function linkHeader(target: LinkTarget): Record<string, string> {
  switch (target.kind) {
    case 'page':
      return { link: `</v2/app/tags/list?page=${target.page}>; rel="next"` };
    case 'none':
      return {};
    case 'other-origin':
      return { link: '<https://elsewhere.example/v2/app/tags/list?page=1>; rel="next"' };
    case 'garbage':
      return { link: target.text.replace(/[\r\n]/g, ' ') };
  }
}

function pageOf(path: string): number {
  return Number(new URL(path, ORIGIN).searchParams.get('page') ?? 0);
}

describe('paging and redirect loops', () => {
  it('a random page graph ends with tags or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ tags: fc.array(fc.constantFrom('1', '2', 'latest', 'bad tag', ''), { maxLength: 4 }), next: linkTarget }), { minLength: 1, maxLength: 8 }), async (pages) => {
        const mock = mockTransport((path) => {
          const page = pages[pageOf(path) % pages.length] ?? { tags: [], next: { kind: 'none' } };
          return { status: 200, body: JSON.stringify({ name: 'app', tags: page.tags }), headers: { 'content-type': 'application/json', ...linkHeader(page.next) } };
        });
        try {
          await listTags(mock.transport, parseRepository('registry.example/app'));
        } catch (error) {
          expect(isTagkeeperError(error), String(error)).toBe(true);
        } finally {
          await mock.close();
        }
        // Each page is read at most once, plus the first request by `n`.
        expect(mock.requests.length).toBeLessThanOrEqual(pages.length + 2);
      }),
      { numRuns: 150 },
    );
  });

  it('endless distinct pages stop at maxPages', async () => {
    const mock = mockTransport((path) => ({
      status: 200,
      body: JSON.stringify({ name: 'app', tags: [`t${pageOf(path)}`] }),
      headers: { 'content-type': 'application/json', link: `</v2/app/tags/list?page=${pageOf(path) + 1}>; rel="next"` },
    }));
    try {
      await expect(listTags(mock.transport, parseRepository('registry.example/app'), { maxPages: 25 })).rejects.toMatchObject({
        code: 'PAGINATION_LIMIT',
        message: expect.stringContaining('read 25 pages of registry.example/app without reaching the end'),
      });
      expect(mock.requests).toHaveLength(25);
    } finally {
      await mock.close();
    }
  });

  it('a full page repeated forever without Link stops', async () => {
    // A registry that ignores `last` sends the same page of exactly `n` entries again and again.
    const mock = mockTransport(() => ({ status: 200, body: JSON.stringify({ name: 'app', tags: ['a', 'b'] }), headers: { 'content-type': 'application/json' } }));
    try {
      const listing = await listTags(mock.transport, parseRepository('registry.example/app'), { pageSize: 2 });
      expect(listing.tags).toEqual(['a', 'b']);
      expect(mock.requests.length).toBeLessThanOrEqual(3);
    } finally {
      await mock.close();
    }
  });

  it.each([
    { name: 'to itself', location: (path: string) => path },
    { name: 'between two URLs', location: (path: string) => (path.endsWith('?x=1') ? path.replace('?x=1', '') : `${path}?x=1`) },
    { name: 'to ever new URLs', location: (path: string) => `${path.split('?')[0]}?hop=${Number(new URL(path, ORIGIN).searchParams.get('hop') ?? 0) + 1}` },
  ])('a redirect loop $name ends with TOO_MANY_REDIRECTS', async ({ location }) => {
    const mock = mockTransport((path) => ({ status: 307, body: '', headers: { location: location(path) } }));
    try {
      await expect(getBlob(mock.transport, parseRepository('registry.example/app'), DIGEST)).rejects.toMatchObject({
        code: 'TOO_MANY_REDIRECTS',
        message: expect.stringContaining(`redirected more than ${MAX_REDIRECTS} times`),
      });
      expect(mock.requests).toHaveLength(MAX_REDIRECTS + 1);
    } finally {
      await mock.close();
    }
  });
});
