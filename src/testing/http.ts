import type { IncomingMessage, ServerResponse } from 'node:http';
import { Header } from '../registry/wire.js';
import type { RegistryErrorResponse } from './errors.js';

/** The sender of a request, as far as authentication established it. */
export interface Caller {
  /** The user name, or undefined for an anonymous caller. */
  user: string | undefined;
  /** Returns true when the caller may pull from `repository`; cross-repository mounts need it on the source. */
  mayPull(repository: string): boolean;
}

/** One request and its response, as the handlers see them. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Upper-case method. */
  method: string;
  path: string;
  query: URLSearchParams;
  /** Scheme and authority for absolute `Location` URLs, such as `http://127.0.0.1:5000`. */
  origin: string;
  caller: Caller;
  /** Set by a `truncateBodyAfter` fault: the connection is reset after this many body bytes. */
  truncateBodyAfter?: number;
}

/** A request body read into memory. */
export interface ReadBody {
  chunks: Buffer[];
  size: number;
  /** True when the body was larger than the limit; `chunks` is then empty, `size` is the full length. */
  exceeded: boolean;
}

/**
 * Reads the request body as the chunks that arrive. Past `maxBytes` it keeps
 * reading and discarding, so the client can finish sending and then read the
 * error, instead of seeing its connection closed mid-request.
 */
export async function readBody(req: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= maxBytes) {
      chunks.push(buffer);
    }
  }
  const exceeded = size > maxBytes;
  return { chunks: exceeded ? [] : chunks, size, exceeded };
}

/** Sends a response without a body, with `Content-Length: 0` except on 204, where RFC 9110 forbids the header. */
export function sendEmpty(exchange: Exchange, status: number, headers: Record<string, string> = {}): void {
  exchange.res.writeHead(status, status === 204 ? headers : { ...headers, [Header.contentLength]: '0' });
  exchange.res.end();
}

/**
 * Sends `chunks` as the body with an exact `Content-Length`. For HEAD only the
 * headers go out. A `truncateBodyAfter` fault cuts the body and resets the connection.
 */
export function sendBody(
  exchange: Exchange,
  status: number,
  headers: Record<string, string>,
  chunks: readonly Buffer[],
): void {
  const size = chunks.reduce((total, chunk) => total + chunk.length, 0);
  exchange.res.writeHead(status, { ...headers, [Header.contentLength]: String(size) });
  if (exchange.method === 'HEAD') {
    exchange.res.end();
    return;
  }

  const limit = exchange.truncateBodyAfter;
  if (limit === undefined || limit >= size) {
    for (const chunk of chunks) {
      exchange.res.write(chunk);
    }
    exchange.res.end();
    return;
  }

  // Writes the first `limit` bytes, then resets once they are flushed, so the
  // client sees a body shorter than its Content-Length.
  const partial = Buffer.concat(chunks as Buffer[]).subarray(0, limit);
  exchange.res.write(partial, () => exchange.res.socket?.destroy());
}

/** Sends `value` as a JSON body. */
export function sendJson(
  exchange: Exchange,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  sendBody(exchange, status, { [Header.contentType]: 'application/json; charset=utf-8', ...headers }, [body]);
}

/** Sends a registry error body with its status and headers. */
export function sendError(exchange: Exchange, error: RegistryErrorResponse): void {
  sendJson(exchange, error.status, error.body(), error.headers);
}

/**
 * Returns the scheme and authority for absolute URLs in `Location`. Like CNCF
 * Distribution it uses the request's `Host`, so a client that connected as
 * `localhost:PORT` is sent back to that name. An unusable `Host` falls back to
 * the server's own URL.
 */
export function originOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  if (host && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) {
    return `http://${host}`;
  }
  return fallback;
}

/**
 * Returns the media types listed in `Accept`, without parameters, lower-case.
 * Node joins repeated `Accept` headers with commas, so one split covers them.
 */
export function acceptedMediaTypes(req: IncomingMessage): Set<string> {
  const types = new Set<string>();
  for (const part of (req.headers.accept ?? '').split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase();
    if (type) {
      types.add(type);
    }
  }
  return types;
}

/** Returns the media type of `Content-Type` without parameters, lower-case, or undefined when absent. */
export function contentMediaType(req: IncomingMessage): string | undefined {
  const value = req.headers[Header.contentType];
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}
