import { createServer } from 'node:net';

import { ServerStartError } from './errors.js';

/**
 * Returns a TCP port that is free on `host` (default `127.0.0.1`) right now:
 * binds port 0, reads the port the system chose, and closes the socket.
 *
 * Another process may take the port before the caller binds it, so servers
 * started on it retry on "address already in use".
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new ServerStartError(`binding ${host}:0 returned no TCP port: check that ${host} is a local IP address`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
