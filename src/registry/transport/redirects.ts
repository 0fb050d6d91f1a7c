import { InvalidReferenceError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { RegistryRequest, RegistryResponse } from '../transport-types.js';
import { Header } from '../wire.js';
import { discardBody } from './response-error.js';
import { BlockedHostError, InsecureSchemeError, TooManyRedirectsError } from './errors.js';
import { isBlockedHostname } from './origin.js';
import { isReplayableBody, toWireBody } from './send.js';
import type { Exchange } from './send.js';
import type { RegistryTarget } from './targets.js';

/** Redirects followed for one request before it fails. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Request headers that identify the sender; they never go to an origin other than the registry's. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Rule for plain HTTP URLs. */
export interface UrlPolicy {
  allowsPlainHttp(url: URL): boolean;
}

/** One request and everything needed to send it and its redirects. */
export interface RedirectChain {
  request: RegistryRequest;
  /** The registry's API origin, such as `https://ghcr.io`. */
  origin: string;
  target: RegistryTarget;
  /** `Authorization` value for the registry's origin. */
  authorization?: string;
  userAgent: string;
  policy: UrlPolicy;
  /** Sends one exchange; `note` names the redirect hop. */
  send(exchange: Exchange, note: string | undefined): Promise<RegistryResponse>;
}

/**
 * Sends a request and, when `request.followRedirects` is set, follows up to
 * {@link MAX_REDIRECTS} redirects (blob downloads land on storage such as S3
 * this way). The registry's `Authorization` goes only to the registry's own
 * origin (scheme, host and port); other hosts get the request without it.
 * Every URL is checked before connecting: link-local and metadata hosts are
 * refused, and so is plain HTTP to a host that is neither loopback nor
 * marked insecure. A 303 turns the method into GET; a request with a stream
 * body is not redirected, because the body cannot be sent again.
 *
 * @throws BlockedHostError, InsecureSchemeError or TooManyRedirectsError, each before connecting.
 */
export async function followRedirects(chain: RedirectChain): Promise<RegistryResponse> {
  const { request } = chain;
  let url = resolveRequestUrl(request.url, chain.origin);
  let method = request.method;
  let body = toWireBody(request.body);

  for (let hop = 0; ; hop += 1) {
    const source = hop === 0 ? 'the request URL' : `a redirect from ${chain.target.registry}`;
    checkUrl(url, method, source, chain, request.reference);

    const headers = buildHeaders(request.headers, chain.userAgent);
    const ownOrigin = url.origin === new URL(chain.origin).origin;
    if (ownOrigin && chain.authorization !== undefined) {
      headers[Header.authorization] = chain.authorization;
    } else if (!ownOrigin) {
      for (const name of Object.keys(headers)) {
        if (CREDENTIAL_HEADERS.has(name)) {
          delete headers[name];
        }
      }
    }

    const exchange: Exchange = { method, url, headers, body, signal: request.signal, reference: request.reference };
    const response = await chain.send(exchange, hop === 0 ? undefined : `redirect ${hop} of at most ${MAX_REDIRECTS}`);

    const location = firstValue(response.headers[Header.location]);
    if (!request.followRedirects || !REDIRECT_STATUSES.has(response.status) || location === undefined) {
      return response;
    }
    if (!isReplayableBody(request.body) && method !== 'GET' && method !== 'HEAD') {
      return response;
    }
    if (hop >= MAX_REDIRECTS) {
      await discardBody(response);
      throw new TooManyRedirectsError(
        { method: request.method, url: redactUrl(resolveRequestUrl(request.url, chain.origin).toString()), reference: request.reference },
        MAX_REDIRECTS,
      );
    }

    await discardBody(response);
    url = new URL(location, url);
    if (response.status === 303 && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
    }
  }
}

/**
 * Resolves a request URL: a path below the registry origin, or an absolute
 * http(s) URL from a `Location` or `Link` header.
 *
 * @throws InvalidReferenceError for anything else.
 */
export function resolveRequestUrl(url: string, origin: string): URL {
  const resolved = new URL(url, origin);
  if ((resolved.protocol !== 'https:' && resolved.protocol !== 'http:') || (!url.startsWith('/') && !/^https?:\/\//i.test(url))) {
    throw new InvalidReferenceError(
      redactUrl(url),
      'a request URL is a path below the registry such as /v2/NAME/tags/list, or an absolute http or https URL',
    );
  }
  return resolved;
}

function checkUrl(url: URL, method: string, source: string, chain: RedirectChain, reference: string | undefined): void {
  const target = () => ({ method, url: redactUrl(url.toString()), reference });
  if (isBlockedHostname(url.hostname)) {
    throw new BlockedHostError(target(), source);
  }

  const ownInsecureHost = chain.target.plainHttpAllowed && url.hostname === chain.target.apiHostname;
  if (url.protocol === 'http:' && !ownInsecureHost && !chain.policy.allowsPlainHttp(url)) {
    throw new InsecureSchemeError(target(), source, url.host);
  }
}

function buildHeaders(headers: Record<string, string> | undefined, userAgent: string): Record<string, string> {
  const result: Record<string, string> = { 'user-agent': userAgent };
  for (const [name, value] of Object.entries(headers ?? {})) {
    result[name.toLowerCase()] = value;
  }
  return result;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
