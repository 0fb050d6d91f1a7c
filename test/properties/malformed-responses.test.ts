/**
 * A corpus of malformed registry responses, each served once by a strict
 * undici MockAgent (no network, every interceptor must be used): invalid
 * and truncated JSON, wrong media types, oversized manifests, digest
 * headers that disagree with the body, tag lists with repeats and invalid
 * tags, and HTML error pages. Each gets a clear typed error naming the
 * request, or, for tag lists, a result that sets the bad entries apart.
 */
import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { getManifest, headManifest } from '../../src/registry/manifests.js';
import { parseReference, parseRepository } from '../../src/registry/reference.js';
import { listTags } from '../../src/registry/tags.js';
import { createTransport } from '../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../src/registry/transport-types.js';
import { MAX_MANIFEST_BYTES, MediaType } from '../../src/registry/wire.js';

const ORIGIN = 'https://registry.example';
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 2 },
  layers: [],
});
const MANIFEST_DIGEST = sha256(MANIFEST);
const OTHER_DIGEST = `sha256:${'2'.repeat(64)}`;
const HTML_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

let agent: MockAgent;
let transport: RegistryTransport;

function serve(method: string, path: string, status: number, body: string, headers: Record<string, string>): void {
  agent = new MockAgent();
  agent.disableNetConnect();
  agent.get(ORIGIN).intercept({ method, path }).reply(status, body, { headers });
  transport = createTransport({ dispatcher: agent, credentials: { get: async () => undefined }, retry: { maxAttempts: 1 }, env: {} });
}

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await transport.close();
  await agent.close();
});

const json = { 'content-type': MediaType.ociManifest };

interface ManifestCase {
  name: string;
  reference: string;
  method?: 'GET' | 'HEAD';
  status?: number;
  body: string;
  headers: Record<string, string>;
  code: string;
  message: string;
}

const MANIFEST_CASES: ManifestCase[] = [
  { name: 'invalid JSON', reference: 'app:1', body: '{"schemaVersion": 2,', headers: json, code: 'INVALID_MANIFEST', message: 'returned an unusable manifest for registry.example/app:1' },
  { name: 'truncated JSON', reference: 'app:1', body: MANIFEST.slice(0, 40), headers: json, code: 'INVALID_MANIFEST', message: 'returned an unusable manifest' },
  { name: 'HTML page with status 200', reference: 'app:1', body: HTML_PAGE, headers: { 'content-type': 'text/html' }, code: 'INVALID_MANIFEST', message: 'GET https://registry.example/v2/app/manifests/1' },
  { name: 'JSON that is no manifest', reference: 'app:1', body: '{"hello":"world"}', headers: json, code: 'INVALID_MANIFEST', message: 'returned an unusable manifest' },
  {
    name: 'unsupported media type in the body',
    reference: 'app:1',
    body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.thing+json', things: [] }),
    headers: { 'content-type': 'application/vnd.example.thing+json' },
    code: 'INVALID_MANIFEST',
    message: 'unsupported media type "application/vnd.example.thing+json"',
  },
  {
    name: 'body of unknown type served as text/html',
    reference: 'app:1',
    body: JSON.stringify({ schemaVersion: 2, layers: [] }),
    headers: { 'content-type': 'text/html' },
    code: 'INVALID_MANIFEST',
    message: 'the body has no mediaType field and Content-Type text/html, so its type is unknown',
  },
  {
    name: 'schema 1 manifest',
    reference: 'app:1',
    body: JSON.stringify({ schemaVersion: 1, name: 'app', tag: '1', fsLayers: [] }),
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
    code: 'INVALID_MANIFEST',
    message: 'schema 1 is not supported',
  },
  {
    name: 'manifest over the size limit',
    reference: 'app:1',
    body: MANIFEST + ' '.repeat(MAX_MANIFEST_BYTES),
    headers: json,
    code: 'RESPONSE_TOO_LARGE',
    message: `over the limit of ${MAX_MANIFEST_BYTES} bytes`,
  },
  {
    name: 'digest header that disagrees with the body',
    reference: 'app:1',
    body: MANIFEST,
    headers: { ...json, 'docker-content-digest': OTHER_DIGEST },
    code: 'DIGEST_MISMATCH',
    message: `expected ${OTHER_DIGEST}, content has ${MANIFEST_DIGEST}`,
  },
  {
    name: 'body that is not the requested digest',
    reference: `app@${OTHER_DIGEST}`,
    body: MANIFEST,
    headers: json,
    code: 'DIGEST_MISMATCH',
    message: `digest mismatch for manifest registry.example/app@${OTHER_DIGEST}`,
  },
  {
    name: 'digest header with an unknown algorithm',
    reference: 'app:1',
    body: MANIFEST,
    headers: { ...json, 'docker-content-digest': `md5:${'3'.repeat(32)}` },
    code: 'INVALID_DIGEST_HEADER',
    message: 'is not a sha256 or sha512 digest, so the content cannot be verified',
  },
  {
    name: 'HTML error page with status 502',
    reference: 'app:1',
    status: 502,
    body: HTML_PAGE,
    headers: { 'content-type': 'text/html' },
    code: 'HTTP_502',
    message: 'GET https://registry.example/v2/app/manifests/1 returned HTTP 502 (<!DOCTYPE html>',
  },
  {
    name: 'HEAD digest that is not the requested one',
    reference: `app@${MANIFEST_DIGEST}`,
    method: 'HEAD',
    body: '',
    headers: { ...json, 'docker-content-digest': OTHER_DIGEST, 'content-length': String(MANIFEST.length) },
    code: 'DIGEST_MISMATCH',
    message: `expected ${MANIFEST_DIGEST}, content has ${OTHER_DIGEST}`,
  },
];

describe('malformed manifest answers', () => {
  it.each(MANIFEST_CASES)('$name gets $code', async ({ reference, method = 'GET', status = 200, body, headers, code, message }) => {
    const parsed = parseReference(`registry.example/${reference}`);
    serve(method, `/v2/app/manifests/${parsed.digest ?? parsed.tag}`, status, body, headers);

    const read = method === 'HEAD' ? headManifest(transport, parsed) : getManifest(transport, parsed);
    const error: unknown = await read.then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(isTagkeeperError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(message);
  });
});

describe('manifest media types', () => {
  it('takes the mediaType field over a Content-Type that contradicts it', async () => {
    // The digest covers the field but not the header, so the field is the one to trust.
    serve('GET', '/v2/app/manifests/1', 200, MANIFEST, { 'content-type': MediaType.ociIndex, 'docker-content-digest': MANIFEST_DIGEST });

    const fetched = await getManifest(transport, parseReference('registry.example/app:1'));

    expect(fetched.descriptor).toEqual({ mediaType: MediaType.ociManifest, digest: MANIFEST_DIGEST, size: MANIFEST.length });
  });
});

describe('malformed tag lists', () => {
  const list = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, status = 200) =>
    serve('GET', '/v2/app/tags/list?n=1000', status, body, headers);

  it.each([
    { name: 'truncated JSON', body: '{"name":"app","tags":["1","2"', code: 'INVALID_JSON', message: 'returned a list page that is not valid JSON' },
    { name: 'HTML page with status 200', body: HTML_PAGE, code: 'INVALID_JSON', message: 'GET https://registry.example/v2/app/tags/list?n=1000' },
    { name: 'tags that are not a list', body: '{"name":"app","tags":"1,2"}', code: 'INVALID_TAG_LIST', message: 'that is not {"name": ..., "tags": [...]}' },
    { name: 'tags that are not strings', body: '{"name":"app","tags":[1,{"a":2}]}', code: 'INVALID_TAG_LIST', message: 'returned a tag list for registry.example/app' },
  ])('$name gets $code', async ({ body, code, message }) => {
    list(body);

    const error: unknown = await listTags(transport, parseRepository('registry.example/app')).then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(isTagkeeperError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(message);
  });

  it('keeps each tag once and sets invalid tags apart', async () => {
    list(JSON.stringify({ name: 'app', tags: ['1', 'latest', '1', 'bad tag', '-x', '../../etc', 'latest', 'a'.repeat(129), null] }));

    const listing = await listTags(transport, parseRepository('registry.example/app'));

    expect(listing.tags).toEqual(['1', 'latest']);
    expect(listing.invalidTags).toEqual(['bad tag', '-x', '../../etc', 'a'.repeat(129)]);
  });

  it('HTML error page with status 503 gets HTTP_503 with the page start', async () => {
    list(HTML_PAGE.replace(/502 Bad Gateway/g, '503 Service Unavailable'), { 'content-type': 'text/html' }, 503);

    const error: unknown = await listTags(transport, parseRepository('registry.example/app')).then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(error).toMatchObject({ code: 'HTTP_503', status: 503, retryable: true });
    expect((error as Error).message).toContain('GET https://registry.example/v2/app/tags/list?n=1000 returned HTTP 503 (<!DOCTYPE html>');
  });
});
