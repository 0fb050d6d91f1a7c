import { Readable } from 'node:stream';

import type { Dispatcher } from 'undici';

import { RegistryError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { RegistryRequest, RegistryResponse } from '../transport-types.js';
import { BLOCKED_ADDRESS_CODE } from './dispatchers.js';
import { BlockedHostError } from './errors.js';
import { describeNoResponse } from './no-response.js';

/** One HTTP request as it goes on the wire. */
export interface Exchange {
  method: RegistryRequest['method'];
  url: URL;
  headers: Record<string, string>;
  body?: Buffer | string | Readable;
  signal?: AbortSignal;
  reference?: string;
}

/** Time limits of one exchange, in milliseconds. */
export interface ExchangeTimeouts {
  headersMs: number;
  bodyMs: number;
}

/** Kind of failure of a request that got no response. */
export type FailureKind = 'timeout' | 'network' | 'tls-protocol' | 'certificate' | 'blocked' | 'aborted';

/** Error codes of a connection that failed because the server does not speak TLS on that port. */
const TLS_PROTOCOL_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'EPROTO',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Network failures after which the same request may succeed. DNS `ENOTFOUND` is not one of them. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * A failure of one exchange with no response, and whether sending it again
 * may help. The retry loop unwraps it and throws `error`, the typed error for
 * callers.
 */
export class ExchangeFailure extends Error {
  override readonly name = 'ExchangeFailure';

  constructor(
    readonly kind: FailureKind,
    readonly retryable: boolean,
    readonly error: RegistryError | Error,
    /** The code of the underlying failure (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`), for debug lines. */
    readonly failureCode: string,
  ) {
    super(error.message, { cause: error });
  }
}

/**
 * Sends one exchange through `dispatcher`. Resolves with whatever status
 * arrives, and rejects with an {@link ExchangeFailure} when no response does.
 */
export async function sendExchange(
  dispatcher: Dispatcher,
  exchange: Exchange,
  timeouts: ExchangeTimeouts,
): Promise<RegistryResponse> {
  try {
    // The dispatcher's own `request` skips the URL parsing and option copying of undici's top-level `request`.
    const response = await dispatcher.request({
      origin: exchange.url.origin,
      path: `${exchange.url.pathname}${exchange.url.search}`,
      method: exchange.method,
      headers: exchange.headers,
      body: exchange.body,
      signal: exchange.signal,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      // undici closes the connection after every HEAD unless `reset` is false,
      // in case the server sends a body anyway. Registries send headers only
      // for a manifest HEAD, and a resolve is mostly HEADs, so keeping the
      // connection saves a connect (and a TLS handshake) per tag. Should a
      // server send stray bytes, undici fails to parse them on the idle
      // connection and drops it, and the next request opens a new one.
      ...(exchange.method === 'HEAD' ? { reset: false } : {}),
    });

    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      url: redactUrl(exchange.url.toString()),
      method: exchange.method,
    };
  } catch (error) {
    throw classifyFailure(error, exchange, timeouts);
  }
}

/** Returns the `code` of an error or of the first error in its `cause` chain that has one. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function classifyFailure(error: unknown, exchange: Exchange, timeouts: ExchangeTimeouts): ExchangeFailure {
  const code = errorCode(error);
  const url = redactUrl(exchange.url.toString());
  const target = { method: exchange.method, url, reference: exchange.reference };

  if (exchange.signal?.aborted || (error as { name?: unknown } | null)?.name === 'AbortError') {
    return new ExchangeFailure('aborted', false, error instanceof Error ? error : new Error(String(error)), 'ABORTED');
  }
  if (code === BLOCKED_ADDRESS_CODE) {
    return new ExchangeFailure('blocked', false, new BlockedHostError(target, `the host name ${exchange.url.hostname}`), code);
  }

  const reason = describeCause(error, code);
  if (code !== undefined && TLS_PROTOCOL_CODES.has(code)) {
    const failure = new RegistryError({
      ...target,
      code: 'TLS_HANDSHAKE',
      cause: error,
      message: `${exchange.method} ${url} failed: TLS handshake with ${exchange.url.host} failed (${reason}); the server may not serve HTTPS on that port`,
    });
    return new ExchangeFailure('tls-protocol', false, failure, code);
  }
  if (code !== undefined && isCertificateCode(code)) {
    const failure = new RegistryError({
      ...target,
      code: 'CERTIFICATE_INVALID',
      cause: error,
      message: `${exchange.method} ${url} failed: the TLS certificate of ${exchange.url.host} is not trusted (${reason}); pass the CA that signed it with the ca or hosts["${exchange.url.host}"].ca option`,
    });
    return new ExchangeFailure('certificate', false, failure, code);
  }

  const described = describeNoResponse({ method: exchange.method, url: exchange.url, redactedUrl: url }, code, reason, timeouts);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const failure = new RegistryError({ ...target, code: 'TIMEOUT', retryable: true, cause: error, ...described });
    return new ExchangeFailure('timeout', true, failure, code);
  }

  const retryable = code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
  const failure = new RegistryError({ ...target, code: 'NETWORK', retryable, cause: error, ...described });
  return new ExchangeFailure('network', retryable, failure, code ?? 'unknown error');
}

function isCertificateCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/.test(code);
}

function describeCause(error: unknown, code: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined || message.includes(code)) {
    return message;
  }
  return `${code}: ${message}`;
}

/** Turns a request body into one undici accepts; async iterables become a `Readable`. */
export function toWireBody(body: RegistryRequest['body']): Buffer | string | Readable | undefined {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Readable) {
    return body;
  }
  return Readable.from(body);
}

/** Returns true when `body` can be sent twice: absent, a string or a Buffer. */
export function isReplayableBody(body: RegistryRequest['body']): boolean {
  return body === undefined || typeof body === 'string' || Buffer.isBuffer(body);
}
