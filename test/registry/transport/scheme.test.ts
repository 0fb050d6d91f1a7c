import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { InvalidReferenceError } from '../../../src/registry/errors.js';
import { InsecureSchemeError, createTransport } from '../../../src/registry/transport/index.js';
import { mockTransport, staticCredentials } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

function tlsHandshakeError(): Error {
  return Object.assign(new Error('SSL routines::wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
}

describe('scheme selection', () => {
  it('uses HTTPS for a registry on the network, with no probe', async () => {
    mocked = mockTransport();
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();

    expect(response.url).toBe('https://registry.example.com/v2/');
  });

  it.each([
    'http://registry.example.com/v2/org/app/blobs/uploads/1',
    'http://other.example.com/v2/org/app/blobs/uploads/1',
  ])('refuses the plain HTTP URL %s for a host that is not insecure', async (url) => {
    mocked = mockTransport();

    const failure = await mocked.transport.request('registry.example.com', { method: 'PUT', url, body: '' }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(InsecureSchemeError);
    expect((failure as Error).message).toContain('plain HTTP');
    expect(mocked.calls()).toHaveLength(0);
  });

  it('falls back to HTTP for an insecure host whose TLS handshake fails, once', async () => {
    mocked = mockTransport({ insecureRegistries: ['registry.lan:5000'] });
    mocked.agent.get('https://registry.lan:5000').intercept({ path: '/v2/', method: 'GET' }).replyWithError(tlsHandshakeError());
    const plain = mocked.agent.get('http://registry.lan:5000');
    plain.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    plain.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{"tags":[]}').times(2);

    const first = await mocked.transport.request('registry.lan:5000', { method: 'GET', url: '/v2/org/app/tags/list' });
    await first.body.text();
    const second = await mocked.transport.request('registry.lan:5000', { method: 'GET', url: '/v2/org/app/tags/list' });
    await second.body.text();

    expect(first.url).toBe('http://registry.lan:5000/v2/org/app/tags/list');
    expect(mocked.calls().map((call) => `${call.origin}${call.path}`)).toEqual([
      'https://registry.lan:5000/v2/',
      'http://registry.lan:5000/v2/',
      'http://registry.lan:5000/v2/org/app/tags/list',
      'http://registry.lan:5000/v2/org/app/tags/list',
    ]);
  });

  it('keeps HTTPS for an insecure host that serves it', async () => {
    mocked = mockTransport({ hosts: { 'registry.lan:5000': { insecure: true } } });
    const secure = mocked.agent.get('https://registry.lan:5000');
    secure.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    secure.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.lan:5000', { method: 'GET', url: '/v2/org/app/tags/list' });
    await response.body.text();

    expect(response.url).toBe('https://registry.lan:5000/v2/org/app/tags/list');
  });

  it('does not fall back to HTTP when the certificate is not trusted', async () => {
    mocked = mockTransport({ insecureRegistries: ['registry.lan'] });
    mocked.agent
      .get('https://registry.lan')
      .intercept({ path: '/v2/', method: 'GET' })
      .replyWithError(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }));

    const failure = await mocked.transport.request('registry.lan', { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);

    expect((failure as { code: string }).code).toBe('CERTIFICATE_INVALID');
    expect((failure as Error).message).toContain('hosts["registry.lan"].ca');
  });

  it.each(['https://ghcr.io', 'ghcr.io/', 'user@ghcr.io', '', 'ghcr.io:99999', 'ghcr.io/org'])(
    'rejects the registry name %j',
    async (registry) => {
      mocked = mockTransport();

      const failure = await mocked.transport.request(registry, { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(InvalidReferenceError);
    },
  );

  it.each(['v2/', 'ftp://registry.example.com/v2/', 'javascript:alert(1)'])('rejects the request URL %j', async (url) => {
    mocked = mockTransport();

    const failure = await mocked.transport.request('registry.example.com', { method: 'GET', url }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(InvalidReferenceError);
    expect(mocked.calls()).toHaveLength(0);
  });
});

describe('loopback registries', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** Starts a plain HTTP server on `host` that serves `GET /v2/` like an anonymous registry. */
  async function startPlainRegistry(host: string): Promise<number> {
    server = createServer((request, response) => {
      response.writeHead(request.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => server!.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  it.each([
    { host: '127.0.0.1', registry: (port: number) => `127.0.0.1:${port}` },
    { host: '::1', registry: (port: number) => `[::1]:${port}` },
    { host: '127.0.0.1', registry: (port: number) => `localhost:${port}` },
  ])('reaches $host over plain HTTP after HTTPS fails', async ({ host, registry }) => {
    const port = await startPlainRegistry(host);
    const lines: string[] = [];
    const transport = createTransport({ credentials: staticCredentials({}), env: {}, debug: (line) => lines.push(line) });

    const response = await transport.request(registry(port), { method: 'GET', url: '/v2/' });
    await response.body.text();
    await transport.close();

    expect(response.status).toBe(200);
    expect(response.url).toBe(`http://${registry(port)}/v2/`);
    expect(lines[0]).toMatch(/^#1 GET https:\/\/.* -> failed \(ERR_SSL_/);
  });
});
