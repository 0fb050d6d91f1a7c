import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { RegistryError } from '../../../src/registry/errors.js';
import { createTransport } from '../../../src/registry/transport/index.js';
import type { RegistryRequest } from '../../../src/registry/transport-types.js';
import { mockTransport, staticCredentials } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

const MANIFEST = '/v2/org/app/manifests/1';

function resetError(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

describe('retries', () => {
  it.each([502, 503, 504])('retries a GET after HTTP %i, then succeeds', async (status) => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(status, 'upstream trouble');
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.calls()).toHaveLength(2);
    expect(mocked.lines[1]).toMatch(new RegExp(`\\(retry 1 of 3 after HTTP ${status}, waited \\d+ ms\\)$`));
  });

  it.each(['GET', 'HEAD'] as const)('retries a %s after HTTP 500', async (method) => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: MANIFEST, method }).reply(500, '');
    registry.intercept({ path: MANIFEST, method }).reply(200, '');

    const response = await mocked.transport.request('registry.example.com', { method, url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.calls()).toHaveLength(2);
  });

  it.each(['PUT', 'DELETE'] as const)('returns the HTTP 500 of a %s at once', async (method) => {
    mocked = mockTransport();
    mocked.agent.get('https://registry.example.com').intercept({ path: MANIFEST, method }).reply(500, '');

    const response = await mocked.transport.request('registry.example.com', { method, url: MANIFEST, body: method === 'PUT' ? '{}' : undefined });
    await response.body.text();

    expect(response.status).toBe(500);
    expect(mocked.calls()).toHaveLength(1);
  });

  it('retries 502 then 503 before success', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(502, '');
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(503, '');
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.calls()).toHaveLength(3);
  });

  it('returns the last 503 when every attempt fails', async () => {
    mocked = mockTransport({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    mocked.agent.get('https://registry.example.com').intercept({ path: MANIFEST, method: 'GET' }).reply(503, 'still down').times(3);

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });

    expect(response.status).toBe(503);
    expect(await response.body.text()).toBe('still down');
    expect(mocked.calls()).toHaveLength(3);
  });

  it('waits the seconds of Retry-After after a 429', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: MANIFEST, method: 'HEAD' }).reply(429, '', { headers: { 'retry-after': '1' } });
    registry.intercept({ path: MANIFEST, method: 'HEAD' }).reply(200, '');

    const started = Date.now();
    const response = await mocked.transport.request('registry.example.com', { method: 'HEAD', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(mocked.lines[1]).toContain('retry 1 of 3 after HTTP 429, waited 1000 ms');
  });

  it('waits until the HTTP-date of Retry-After', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    // HTTP-dates have whole seconds, so a date 2 s ahead is 1-2 s away.
    const retryAt = new Date(Date.now() + 2000).toUTCString();
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(429, '', { headers: { 'retry-after': retryAt } });
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    const waited = Number(/waited (\d+) ms/.exec(mocked.lines[1] ?? '')?.[1]);
    expect(waited).toBeGreaterThan(900);
    expect(waited).toBeLessThanOrEqual(2000);
  });

  it('returns a 429 at once when Retry-After exceeds the limit', async () => {
    mocked = mockTransport({ retry: { maxRetryAfterMs: 5_000 } });
    mocked.agent.get('https://registry.example.com').intercept({ path: MANIFEST, method: 'GET' }).reply(429, '', { headers: { 'retry-after': '3600' } });

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(429);
    expect(mocked.calls()).toHaveLength(1);
  });

  it('retries a GET after a connection reset', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: MANIFEST, method: 'GET' }).replyWithError(resetError());
    registry.intercept({ path: MANIFEST, method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.lines[0]).toMatch(/^#1 GET https:\/\/registry\.example\.com\/v2\/org\/app\/manifests\/1 -> failed \(ECONNRESET\)/);
    expect(mocked.lines[1]).toContain('retry 1 of 3 after ECONNRESET');
  });

  it('throws a retryable NETWORK error when resets continue', async () => {
    mocked = mockTransport({ retry: { maxAttempts: 2, baseDelayMs: 1 } });
    mocked.agent.get('https://registry.example.com').intercept({ path: MANIFEST, method: 'GET' }).replyWithError(resetError()).times(2);

    const failure = await mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).code).toBe('NETWORK');
    expect((failure as RegistryError).retryable).toBe(true);
    expect((failure as RegistryError).status).toBeUndefined();
    expect((failure as RegistryError).failure).toBe('connection reset');
    expect((failure as RegistryError).method).toBe('GET');
    expect((failure as RegistryError).url).toBe('https://registry.example.com/v2/org/app/manifests/1');
    expect((failure as Error).message).toBe(
      'the connection to registry.example.com broke during GET https://registry.example.com/v2/org/app/manifests/1 (connection reset); ' +
        'try again, and check the registry if it keeps failing',
    );
  });

  const notRetried: Array<{ name: string; request: RegistryRequest }> = [
    { name: 'POST', request: { method: 'POST', url: '/v2/org/app/blobs/uploads/' } },
    { name: 'PATCH', request: { method: 'PATCH', url: '/v2/org/app/blobs/uploads/1', body: 'chunk' } },
    { name: 'POST marked idempotent', request: { method: 'POST', url: '/v2/org/app/blobs/uploads/', idempotent: true } },
    { name: 'PUT marked not idempotent', request: { method: 'PUT', url: '/v2/org/app/blobs/uploads/1?digest=sha256:1', idempotent: false } },
    {
      name: 'PUT with a stream body',
      request: { method: 'PUT', url: '/v2/org/app/manifests/1', body: Readable.from([Buffer.from('{}')]) },
    },
  ];

  it.each(notRetried)('does not retry a $name after HTTP 503', async ({ request }) => {
    mocked = mockTransport();
    // A stream body makes the transport probe first, which learns the registry is anonymous.
    const registry = mocked.agent.get('https://registry.example.com');
    if (!(typeof request.body === 'string' || request.body === undefined)) {
      registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    }
    registry.intercept({ path: request.url, method: request.method }).reply(503, '');

    const response = await mocked.transport.request('registry.example.com', request);
    await response.body.text();

    expect(response.status).toBe(503);
    expect(mocked.calls().filter((call) => call.method === request.method)).toHaveLength(1);
  });

  it('does not retry a POST after a connection reset', async () => {
    mocked = mockTransport();
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/org/app/blobs/uploads/', method: 'POST' }).replyWithError(resetError());

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'POST', url: '/v2/org/app/blobs/uploads/' })
      .catch((error: unknown) => error);

    expect((failure as RegistryError).code).toBe('NETWORK');
    expect(mocked.calls()).toHaveLength(1);
  });

  it('stops waiting for a retry when the caller aborts', async () => {
    mocked = mockTransport();
    mocked.agent.get('https://registry.example.com').intercept({ path: MANIFEST, method: 'GET' }).reply(503, '', { headers: { 'retry-after': '30' } });
    const controller = new AbortController();

    const pending = mocked.transport.request('registry.example.com', { method: 'GET', url: MANIFEST, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);

    await expect(pending).rejects.toThrow('caller gave up');
    expect(mocked.calls()).toHaveLength(1);
  });

  it('retries a token request after HTTP 503', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': 'Bearer realm="https://registry.example.com/token",service="svc"' },
    });
    registry.intercept({ path: (path) => path.startsWith('/token'), method: 'GET' }).reply(503, '');
    registry.intercept({ path: (path) => path.startsWith('/token'), method: 'GET' }).reply(200, '{"token":"t"}');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();

    expect(response.status).toBe(200);
  });
});

describe('timeouts', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('throws a retryable TIMEOUT when headers do not arrive', async () => {
    let requests = 0;
    server = createServer(() => {
      // The server never responds, so only the headers time-out ends the request.
      requests += 1;
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = createTransport({
      credentials: staticCredentials({}),
      timeouts: { headersMs: 200 },
      retry: { maxAttempts: 2, baseDelayMs: 1 },
      insecureRegistries: [],
      env: {},
    });

    // A loopback registry starts with a probe of GET /v2/, which times out first.
    const failure = await transport.request(`127.0.0.1:${port}`, { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);
    await transport.close();

    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).code).toBe('TIMEOUT');
    expect((failure as RegistryError).retryable).toBe(true);
    expect(requests).toBeGreaterThanOrEqual(2);
  });
});
