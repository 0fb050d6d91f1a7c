import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Header, RegistryErrorCode } from '../registry/wire.js';
import type { Guard } from './auth/guard.js';
import { isRegistryErrorResponse, registryError } from './errors.js';
import { applyFault } from './faults.js';
import { isValidRepositoryName } from './grammar.js';
import { handleBlob } from './handlers/blobs.js';
import { methodNotAllowed, type RegistryContext } from './handlers/context.js';
import { handleCatalog, handleTagsList } from './handlers/listing.js';
import { handleManifest } from './handlers/manifests.js';
import { handleReferrers } from './handlers/referrers.js';
import { handleUploadSession, handleUploadStart } from './handlers/uploads.js';
import { originOf, sendBody, sendError, sendJson, type Exchange } from './http.js';
import type { FaultHook, RequestRecord } from './options.js';
import { formatRequestLine, redactedTarget } from './request-log.js';
import { hasRepository, matchRoute, type Route } from './routes.js';

/** Everything the dispatcher needs besides the request. */
export interface DispatcherSettings {
  context: RegistryContext;
  guard: Guard;
  /** Serves `/token`; absent unless token authentication is on. */
  tokenEndpoint?: (exchange: Exchange) => Promise<void>;
  faults?: FaultHook;
  log?: (line: string) => void;
  /** The server's own URL, the fallback origin of `Location` headers. */
  url: string;
}

/**
 * Takes each request through the same steps: record it, run the fault hook,
 * match the route, check the repository name, authenticate, and call the
 * handler. Handlers throw a {@link RegistryErrorResponse} for every failure
 * the spec defines. Any other error is logged and sent as 500 UNKNOWN.
 */
export class RequestDispatcher {
  /** Requests in arrival order; the array is shared with the {@link MemoryRegistry} handle. */
  readonly records: RequestRecord[] = [];
  private received = 0;

  constructor(private readonly settings: DispatcherSettings) {}

  /** Handles one request until its response is sent or its connection is closed. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://memory-registry.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RequestRecord = { method, path: url.pathname, query: url.search.slice(1), status: 0 };
    this.records.push(record);
    const index = this.received++;

    const exchange: Exchange = {
      req,
      res,
      method,
      path: url.pathname,
      query: url.searchParams,
      origin: originOf(req, this.settings.url),
      caller: { user: undefined, mayPull: () => false },
    };
    res.setHeader(Header.apiVersion, 'registry/2.0');
    res.on('close', () => {
      record.status = res.headersSent ? res.statusCode : 0;
      this.settings.log?.(
        formatRequestLine({
          method,
          target: redactedTarget(url.pathname, url.searchParams),
          status: record.status,
          durationMs: performance.now() - started,
          user: exchange.caller.user,
        }),
      );
    });

    try {
      if (this.settings.faults) {
        const request = { method, path: url.pathname, query: url.searchParams, headers: req.headers, index };
        if ((await applyFault(this.settings.faults, request, exchange)) === 'responded') {
          return;
        }
      }
      await this.route(exchange);
    } catch (error) {
      this.fail(exchange, error);
    }
  }

  private async route(exchange: Exchange): Promise<void> {
    const route = matchRoute(exchange.path);
    if (!route) {
      // CNCF Distribution responds to unknown paths with its router's plain-text 404.
      sendBody(exchange, 404, { [Header.contentType]: 'text/plain; charset=utf-8' }, [Buffer.from('404 page not found\n')]);
      return;
    }

    if (route.kind === 'token') {
      if (!this.settings.tokenEndpoint) {
        sendBody(exchange, 404, { [Header.contentType]: 'text/plain; charset=utf-8' }, [Buffer.from('404 page not found\n')]);
        return;
      }
      await this.settings.tokenEndpoint(exchange);
      return;
    }

    if (hasRepository(route) && !isValidRepositoryName(route.repository)) {
      throw registryError(
        400,
        RegistryErrorCode.nameInvalid,
        `invalid repository name "${route.repository}"; use lower-case path components of [a-z0-9] joined by ".", "_", "__" or "-", at most 255 characters`,
        { name: route.repository },
      );
    }

    exchange.caller = this.settings.guard(exchange.req, route);
    await this.serve(route, exchange);
  }

  private async serve(route: Exclude<Route, { kind: 'token' }>, exchange: Exchange): Promise<void> {
    const context = this.settings.context;
    switch (route.kind) {
      case 'base':
        if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
          throw methodNotAllowed(exchange.method, 'GET, HEAD');
        }
        return sendJson(exchange, 200, {});
      case 'catalog':
        return handleCatalog(context, exchange);
      case 'tags':
        return handleTagsList(context, exchange, route.repository);
      case 'manifest':
        return handleManifest(context, exchange, route.repository, route.reference);
      case 'blob':
        return handleBlob(context, exchange, route.repository, route.digest);
      case 'uploads':
        return handleUploadStart(context, exchange, route.repository);
      case 'upload':
        return handleUploadSession(context, exchange, route.repository, route.id);
      case 'referrers':
        return handleReferrers(context, exchange, route.repository, route.digest);
    }
  }

  private fail(exchange: Exchange, error: unknown): void {
    const { res } = exchange;
    if (res.headersSent || res.destroyed || !res.socket || res.socket.destroyed) {
      // The client went away or a response was already under way: nothing more can be sent.
      if (!isRegistryErrorResponse(error)) {
        this.settings.log?.(`request ${exchange.method} ${exchange.path} ended early: ${describe(error)}`);
      }
      res.destroy();
      return;
    }
    if (isRegistryErrorResponse(error)) {
      sendError(exchange, error);
      return;
    }
    this.settings.log?.(`internal error on ${exchange.method} ${exchange.path}: ${describe(error)}`);
    sendError(exchange, registryError(500, RegistryErrorCode.unknown, `internal error: ${describe(error)}`));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
