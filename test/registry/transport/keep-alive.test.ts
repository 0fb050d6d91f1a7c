import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../../src/registry/client.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

interface CountedServer {
  host: string;
  /** Connections accepted so far, the failed HTTPS probe included. */
  connections(): number;
  close(): Promise<void>;
}

const servers: CountedServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listen(server: Server): Promise<CountedServer> {
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const counted: CountedServer = {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  servers.push(counted);
  return counted;
}

/** Starts a registry that returns a descriptor for every manifest HEAD, as Distribution does. */
function startWellBehavedRegistry(): Promise<CountedServer> {
  const server = createHttpServer((request, response) => {
    if (request.method !== 'HEAD') {
      response.setHeader('content-type', 'application/json');
      response.end('{}');
      return;
    }
    response.setHeader('content-type', MANIFEST_TYPE);
    response.setHeader('content-length', '512');
    response.setHeader('docker-content-digest', DIGEST);
    response.end();
  });
  return listen(server);
}

/** Starts a registry that sends a body after its HEAD headers, which HTTP forbids. */
function startBodyOnHeadRegistry(): Promise<CountedServer> {
  const server = createTcpServer((socket) => {
    let pending = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (chunk[0] === 0x16) {
        // A TLS handshake is the HTTPS probe, so reply as a plain HTTP server does.
        socket.end('HTTP/1.0 400 Bad Request\r\n\r\n');
        return;
      }
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        const body = 'stray body bytes';
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: ${MANIFEST_TYPE}\r\nDocker-Content-Digest: ${DIGEST}\r\n` +
            `Content-Length: ${body.length}\r\n\r\n${body}`,
        );
      }
    });
  });
  return listen(server);
}

describe('connections across manifest HEADs', () => {
  it('reuses one connection for a series of HEADs', async () => {
    const registry = await startWellBehavedRegistry();
    const client = new RegistryClient({ credentials: { get: async () => undefined }, env: {} });
    try {
      for (let index = 0; index < 20; index += 1) {
        const descriptor = await client.headManifest(`${registry.host}/app:1.0.${index}`);
        expect(descriptor.digest).toBe(DIGEST);
      }
    } finally {
      await client.close();
    }

    // The failed HTTPS probe and the plain probe each open a connection. The pool may open
    // one more while the probe's connection settles. Without keep-alive each HEAD opens its own.
    expect(registry.connections()).toBeLessThanOrEqual(3);
  });

  it('survives a body after each HEAD', async () => {
    const registry = await startBodyOnHeadRegistry();
    const client = new RegistryClient({ credentials: { get: async () => undefined }, env: {} });
    try {
      for (let index = 0; index < 10; index += 1) {
        const descriptor = await client.headManifest(`${registry.host}/app:1.0.${index}`);
        expect(descriptor.digest).toBe(DIGEST);
      }
    } finally {
      await client.close();
    }

    // The stray bytes arrive on an idle connection, which undici then drops.
    expect(registry.connections()).toBeGreaterThan(2);
  });
});
