import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTransport } from '../../../src/registry/transport/index.js';
import { useDistribution } from '../../support/registry-fixture.js';
import { staticCredentials } from './mock-transport.js';

/** A name under the reserved `.test` domain that only the test proxy resolves, to the loopback registry. */
const PROXIED_NAME = 'registry.proxy.test';

interface TestProxy {
  url: string;
  /** `host:port` of every CONNECT request, in order. */
  tunnels: string[];
  /** `Proxy-Authorization` values received. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/**
 * Starts an HTTP CONNECT proxy on 127.0.0.1 that tunnels any target to
 * `127.0.0.1:targetPort`, so a registry under a made-up host name is reached
 * without DNS or any other host.
 */
async function startProxy(targetPort: () => number): Promise<TestProxy> {
  const tunnels: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const server: Server = createServer((_request, response) => {
    response.writeHead(405).end('this proxy only tunnels');
  });
  server.on('connect', (request, client, head) => {
    tunnels.push(request.url ?? '');
    authorizations.push(request.headers['proxy-authorization']);
    const upstream = connect(targetPort(), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('proxies', () => {
  const registry = useDistribution();
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startProxy(() => registry().port);
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('reaches a registry through HTTP_PROXY and HTTPS_PROXY with proxy credentials', async () => {
    const proxied = `${PROXIED_NAME}:${registry().port}`;
    const proxyWithCredentials = proxy.url.replace('http://', 'http://proxy-user:proxy-pass-9@');
    const lines: string[] = [];
    const transport = createTransport({
      credentials: staticCredentials({}),
      insecureRegistries: [proxied],
      env: { HTTPS_PROXY: proxyWithCredentials, HTTP_PROXY: proxyWithCredentials },
      debug: (line) => lines.push(line),
    });
    proxy.tunnels.length = 0;

    const response = await transport.request(proxied, { method: 'GET', url: '/v2/' });
    await response.body.text();
    await transport.close();

    expect(response.status).toBe(200);
    expect(response.url).toBe(`http://${proxied}/v2/`);
    // HTTPS first (the plain registry fails the handshake), then plain HTTP, all tunnelled.
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(2);
    expect(new Set(proxy.tunnels)).toEqual(new Set([proxied]));
    expect(lines[0]).toContain(`GET https://${proxied}/v2/ -> failed (ERR_SSL_`);
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${Buffer.from('proxy-user:proxy-pass-9').toString('base64')}`);
    expect(lines.join('\n')).not.toContain('proxy-pass-9');
  });

  it('reaches a loopback registry directly, whatever the proxy settings', async () => {
    const transport = createTransport({
      credentials: staticCredentials({}),
      env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
    });
    proxy.tunnels.length = 0;

    const response = await transport.request(registry().host, { method: 'GET', url: '/v2/' });
    await response.body.text();
    await transport.close();

    expect(response.status).toBe(200);
    expect(proxy.tunnels).toEqual([]);
  });
});
