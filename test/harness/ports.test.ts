import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

import { freePort } from '../support/ports.js';

function listenOn(host: string, port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      resolve(() => new Promise<void>((done) => server.close(() => done())));
    });
  });
}

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);

    const close = await listenOn('127.0.0.1', port);
    await close();
  });

  it('returns ports that are free at the same time', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const closers = [];
    for (const port of ports) closers.push(await listenOn('127.0.0.1', port));
    await Promise.all(closers.map((close) => close()));
  });

  it('rejects an address that is not local', async () => {
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737), and binding it fails without sending a packet.
    await expect(freePort('203.0.113.7')).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
