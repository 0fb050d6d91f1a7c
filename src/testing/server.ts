import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { basicGuard, openGuard, tokenGuard, type Guard } from './auth/guard.js';
import { handleTokenRequest } from './auth/token-endpoint.js';
import { TokenIssuer } from './auth/tokens.js';
import { RequestDispatcher } from './dispatch.js';
import type { RegistryContext } from './handlers/context.js';
import type { Exchange } from './http.js';
import { validateOptions, type MemoryRegistry, type MemoryRegistryOptions } from './options.js';
import { MemoryStore } from './store.js';
import { UploadSessions } from './uploads.js';

/** Default `service` of token authentication. */
export const DEFAULT_TOKEN_SERVICE = 'tagkeeper-memory-registry';

/**
 * Starts an in-memory OCI registry on a loopback address. It serves the part
 * of distribution-spec v1.1.0 that tagkeeper and skopeo use (manifests, blobs,
 * chunked and monolithic uploads, mounts, tag and catalog listing with
 * pagination, referrers). Where CNCF Distribution 2.8 deviates from the spec
 * in ways clients must handle, it responds as Distribution does. Content
 * lives in memory and is lost on {@link MemoryRegistry.close}.
 *
 * Throws {@link MemoryRegistryOptionError} for invalid options, and the
 * listen error (such as EADDRINUSE) when the port is taken.
 *
 * @example
 * ```ts
 * const registry = await startMemoryRegistry({ auth: { type: 'token', users: { ci: 'secret' } } });
 * // push to `${registry.host}/app:1.0`, then:
 * expect(registry.tags('app')).toEqual(['1.0']);
 * await registry.close();
 * ```
 */
export async function startMemoryRegistry(options: MemoryRegistryOptions = {}): Promise<MemoryRegistry> {
  validateOptions(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  const port = await listen(server, host, options.port ?? 0);
  const authority = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const url = `http://${authority}`;

  const store = new MemoryStore();
  const uploads = new UploadSessions();
  const context: RegistryContext = {
    store,
    uploads,
    deleteEnabled: options.deleteEnabled ?? true,
    referrersApi: options.referrersApi ?? true,
    acceptNegotiation: options.acceptNegotiation ?? 'distribution',
    pageSize: options.pageSize,
    maxPageSize: options.maxPageSize,
  };
  const dispatcher = new RequestDispatcher({
    context,
    ...authentication(options, url),
    faults: options.faults,
    log: options.log,
    url,
  });
  server.on('request', (req, res) => {
    dispatcher.handle(req, res).catch((error: unknown) => {
      // Only a failure while sending an error response gets here; the connection cannot be used any more.
      options.log?.(`failed to respond to ${req.method} ${req.url?.split('?')[0]}: ${error instanceof Error ? error.message : String(error)}`);
      res.destroy();
    });
  });
  options.log?.(`memory registry listening on ${url}${options.auth ? ` with ${options.auth.type} authentication` : ''}`);

  let closing: Promise<void> | undefined;
  return {
    host: authority,
    url,
    requests: dispatcher.records,
    resetRequests: () => {
      dispatcher.records.length = 0;
    },
    repositories: () => store.repositoryNames(),
    tags: (repository) => store.tags(repository),
    close: () => {
      closing ??= stop(server).then(() => {
        store.clear();
        uploads.clear();
        options.log?.(`memory registry on ${url} stopped`);
      });
      return closing;
    },
  };
}

/** Returns the guard and, for token authentication, the `/token` handler. */
function authentication(
  options: MemoryRegistryOptions,
  url: string,
): { guard: Guard; tokenEndpoint?: (exchange: Exchange) => Promise<void> } {
  const auth = options.auth;
  if (!auth) {
    return { guard: openGuard() };
  }
  if (auth.type === 'basic') {
    return { guard: basicGuard(auth) };
  }

  const service = auth.service ?? DEFAULT_TOKEN_SERVICE;
  const clock = options.clock ?? Date.now;
  const issuer = new TokenIssuer(auth.tokenFormat ?? 'jwt', service, clock);
  const refreshTokens = new Map<string, string>();
  return {
    guard: tokenGuard({ auth, issuer, service, realm: `${url}/token` }),
    tokenEndpoint: (exchange) => handleTokenRequest(exchange, { auth, issuer, service, clock, refreshTokens }),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections and closes the open ones, idle or not, so close never waits for a client. */
function stop(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
