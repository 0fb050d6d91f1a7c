import { afterEach, describe, expect, it } from 'vitest';

import { BlockedHostError, InsecureSchemeError, TooManyRedirectsError } from '../../../src/registry/transport/index.js';
import { authorizationOf, bearerChallenge, mockTransport } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

const BLOB = '/v2/org/app/blobs/sha256:1111111111111111111111111111111111111111111111111111111111111111';

/** Mocks a registry that requires a bearer token and redirects the blob GET to `location`. */
function redirectingRegistry(location: string, status = 307): MockedTransport {
  const transport = mockTransport();
  const registry = transport.agent.get('https://registry.example.com');
  registry.intercept({ path: BLOB, method: 'GET' }).reply(401, '', {
    headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
  });
  registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, '{"token":"registry-token"}');
  registry.intercept({ path: BLOB, method: 'GET' }).reply(status, '', { headers: { location } });
  return transport;
}

function getBlob(transport: MockedTransport, followRedirects = true): Promise<unknown> {
  return transport.transport
    .request('registry.example.com', { method: 'GET', url: BLOB, followRedirects, scopes: [{ repository: 'org/app', actions: ['pull'] }] })
    .catch((error: unknown) => error);
}

describe('redirects', () => {
  it('sends no Authorization to blob storage on another host', async () => {
    mocked = redirectingRegistry('https://storage.example.net/blobs/1111?X-Amz-Signature=s3cr3t-signature&X-Amz-Expires=1200');
    mocked.agent
      .get('https://storage.example.net')
      .intercept({ path: (path) => path.startsWith('/blobs/1111?'), method: 'GET' })
      .reply(200, 'layer bytes');

    const response = (await getBlob(mocked)) as { status: number; url: string; body: { text(): Promise<string> } };

    expect(response.status).toBe(200);
    expect(await response.body.text()).toBe('layer bytes');
    const storage = mocked.calls().find((call) => call.origin === 'https://storage.example.net')!;
    expect(authorizationOf(storage)).toBeUndefined();
    expect(authorizationOf(mocked.calls()[2]!)).toBe('Bearer registry-token');
    expect(response.url).not.toContain('s3cr3t-signature');
    expect(mocked.lines.join('\n')).not.toContain('s3cr3t-signature');
  });

  it('keeps Authorization on a redirect within the registry origin', async () => {
    mocked = redirectingRegistry('/v2/org/app/blobs/moved');
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/org/app/blobs/moved', method: 'GET' }).reply(200, 'moved bytes');

    const response = (await getBlob(mocked)) as { status: number; body: { text(): Promise<string> } };
    await response.body.text();

    expect(authorizationOf(mocked.calls()[3]!)).toBe('Bearer registry-token');
  });

  it('drops Authorization when the scheme changes on the same host', async () => {
    mocked = redirectingRegistry('https://registry.example.com:8443/blob');
    mocked.agent.get('https://registry.example.com:8443').intercept({ path: '/blob', method: 'GET' }).reply(200, 'x');

    const response = (await getBlob(mocked)) as { body: { text(): Promise<string> } };
    await response.body.text();

    expect(authorizationOf(mocked.calls()[3]!)).toBeUndefined();
  });

  const blocked = ['http://169.254.169.254/latest/meta-data/', 'https://169.254.10.1/blob', 'https://[fe80::1234]/blob', 'https://metadata.google.internal/blob'];

  it.each(blocked)('refuses a redirect to %s before connecting', async (location) => {
    mocked = redirectingRegistry(location);

    const failure = await getBlob(mocked);

    expect(failure).toBeInstanceOf(BlockedHostError);
    expect((failure as Error).message).toContain('a redirect from registry.example.com');
    expect(new Set(mocked.calls().map((call) => call.origin))).toEqual(new Set(['https://registry.example.com']));
  });

  it('fails without retry when a redirect host resolves to a link-local address', async () => {
    mocked = redirectingRegistry('https://storage.example.net/blob');
    // The transport's own pools fail such a DNS result with this code, and the mock replaces the lookup.
    const blockedError = Object.assign(new Error('storage.example.net resolves to the link-local address 169.254.169.254'), { code: 'BLOCKED_HOST' });
    mocked.agent.get('https://storage.example.net').intercept({ path: '/blob', method: 'GET' }).replyWithError(blockedError);

    const failure = await getBlob(mocked);

    expect(failure).toBeInstanceOf(BlockedHostError);
    expect(mocked.calls().filter((call) => call.origin === 'https://storage.example.net')).toHaveLength(1);
  });

  it('refuses a redirect to plain HTTP on another host', async () => {
    mocked = redirectingRegistry('http://storage.example.net/blob');

    const failure = await getBlob(mocked);

    expect(failure).toBeInstanceOf(InsecureSchemeError);
    expect((failure as InsecureSchemeError).code).toBe('INSECURE_SCHEME');
  });

  it('follows at most 5 redirects', async () => {
    mocked = redirectingRegistry('https://storage.example.net/hop/1', 302);
    const storage = mocked.agent.get('https://storage.example.net');
    for (let hop = 1; hop <= 5; hop += 1) {
      storage.intercept({ path: `/hop/${hop}`, method: 'GET' }).reply(302, '', { headers: { location: `/hop/${hop + 1}` } });
    }

    const failure = await getBlob(mocked);

    expect(failure).toBeInstanceOf(TooManyRedirectsError);
    expect((failure as TooManyRedirectsError).code).toBe('TOO_MANY_REDIRECTS');
    expect(mocked.calls().filter((call) => call.origin === 'https://storage.example.net')).toHaveLength(5);
  });

  it('follows exactly 5 redirects', async () => {
    mocked = redirectingRegistry('https://storage.example.net/hop/1', 302);
    const storage = mocked.agent.get('https://storage.example.net');
    for (let hop = 1; hop <= 4; hop += 1) {
      storage.intercept({ path: `/hop/${hop}`, method: 'GET' }).reply(302, '', { headers: { location: `/hop/${hop + 1}` } });
    }
    storage.intercept({ path: '/hop/5', method: 'GET' }).reply(200, 'arrived');

    const response = (await getBlob(mocked)) as { status: number; body: { text(): Promise<string> } };

    expect(response.status).toBe(200);
    expect(await response.body.text()).toBe('arrived');
  });

  it('returns the redirect when the request does not follow redirects', async () => {
    mocked = redirectingRegistry('https://storage.example.net/blob');

    const response = (await getBlob(mocked, false)) as { status: number; headers: Record<string, unknown>; body: { text(): Promise<string> } };
    await response.body.text();

    expect(response.status).toBe(307);
    expect(response.headers.location).toBe('https://storage.example.net/blob');
  });

  it('numbers the redirect hop in the debug line', async () => {
    mocked = redirectingRegistry('https://storage.example.net/blob');
    mocked.agent.get('https://storage.example.net').intercept({ path: '/blob', method: 'GET' }).reply(200, 'x');

    const response = (await getBlob(mocked)) as { body: { text(): Promise<string> } };
    await response.body.text();

    expect(mocked.lines.at(-1)).toMatch(/^#4 GET https:\/\/storage\.example\.net\/blob -> 200 in \d+ ms \(.*redirect 1 of at most 5\)$/);
  });
});
