import { createServer, connect, type AddressInfo, type Server } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../../src/registry/client.js';
import { buildImage, type BuiltImage } from '../../support/oci-layout.js';
import { useDistribution } from '../../support/registry-fixture.js';
import { pushImage } from '../../support/skopeo.js';
import { makeTempDir, removeDir } from '../../support/temp.js';

/** A TCP forwarder on loopback that counts the connections it passes to `port`, TLS included. */
interface ConnectionCounter {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

async function startConnectionCounter(port: number): Promise<ConnectionCounter> {
  let connections = 0;
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  };
}

describe('connections across manifest HEADs over TLS', () => {
  const registry = useDistribution({ tls: true });
  let layout: string;
  let image: BuiltImage;
  let counter: ConnectionCounter;

  beforeAll(async () => {
    layout = await makeTempDir('keep-alive-tls');
    image = await buildImage(layout, 'v1', { seed: 'keep-alive-tls' });
    await pushImage(image, registry(), 'apps/keep-alive:1');
    counter = await startConnectionCounter(registry().port);
  });

  afterAll(async () => {
    await counter.close();
    await removeDir(layout);
  });

  it('reuses one TLS connection for a series of HEADs', async () => {
    const client = new RegistryClient({ credentials: { get: async () => undefined }, env: {}, ca: registry().caCert });
    try {
      for (let index = 0; index < 20; index += 1) {
        const descriptor = await client.headManifest(`127.0.0.1:${counter.port}/apps/keep-alive:1`);
        expect(descriptor.digest).toBe(image.digest);
      }
    } finally {
      await client.close();
    }

    // The first HEAD is preceded by the GET /v2/ probe; the pool may open a second
    // connection while the first settles. Without keep-alive each HEAD opens its own.
    expect(counter.connections()).toBeLessThanOrEqual(3);
  });
});
