/**
 * A reverse proxy on loopback that counts the requests a client such as
 * skopeo sends to a registry, for clients whose HTTP stack cannot be wrapped.
 * Bodies stream through unchanged and the `Host` header is kept, so the
 * registry builds its `Location` URLs with the proxy's address and the
 * client stays on the proxy.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';

import { countRequest, emptyCounts, type RequestCounts } from './counting-dispatcher.js';

/** A running counting proxy. */
export interface CountingProxy {
  /** `127.0.0.1:PORT`, the registry name clients use instead of the registry's own. */
  host: string;
  counts(): RequestCounts;
  reset(): void;
  stop(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards every request to `target` (`127.0.0.1:PORT`). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const [targetHost, targetPort] = splitHost(target);
  let counts = emptyCounts();

  const server = createServer((incoming, outgoing) => {
    countRequest(counts, incoming.method ?? 'GET', `http://${target}`);
    forward(incoming, outgoing, targetHost, targetPort);
  });
  const port = await listen(server);

  return {
    host: `127.0.0.1:${port}`,
    counts: () => structuredClone(counts),
    reset: () => {
      counts = emptyCounts();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function forward(incoming: IncomingMessage, outgoing: ServerResponse, host: string, port: number): void {
  const upstream = httpRequest({ host, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
    outgoing.writeHead(response.statusCode ?? 502, response.headers);
    pipeline(response, outgoing, () => undefined);
  });
  upstream.on('error', (error) => {
    if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
    outgoing.end(`counting proxy could not reach ${host}:${port}: ${error.message}`);
  });
  pipeline(incoming, upstream, () => undefined);
}

function splitHost(host: string): [string, number] {
  const colon = host.lastIndexOf(':');
  return [host.slice(0, colon), Number(host.slice(colon + 1))];
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}
