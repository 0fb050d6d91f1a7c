import { appendQuery, headerValue, nextLink } from './endpoints.js';
import { InvalidResponseError, type RegistryError } from './errors.js';
import { redactUrl } from './redact.js';
import { parseJsonBody, readBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import type { RegistryResponse, RegistryTransport, RepositoryScope } from './transport-types.js';
import { Header, MAX_LIST_PAGE_BYTES, RegistryErrorCode } from './wire.js';

/**
 * Paginated listing, shared by the tag list and the catalog (OCI
 * distribution-spec v1.1.0, "Listing Tags"): the first request carries `n`,
 * later pages come from the `Link: <url>; rel="next"` header, and a registry
 * that pages without `Link` is continued with `last`.
 */

/** Page size requested by default; ECR rejects anything above 1,000. */
export const DEFAULT_PAGE_SIZE = 1000;

/** Pages read at most before a listing is taken for a loop: 10 million entries at the default page size. */
export const DEFAULT_MAX_PAGES = 10_000;

/** Options of a paginated listing. */
export interface PageOptions {
  /** The `n` sent with the first request (default {@link DEFAULT_PAGE_SIZE}). */
  pageSize?: number;
  /** Maximum number of pages read before the listing fails (default {@link DEFAULT_MAX_PAGES}). */
  maxPages?: number;
  signal?: AbortSignal;
}

/** One paginated listing endpoint. */
export interface ListEndpoint {
  registry: string;
  /** Path without query, such as `/v2/app/tags/list`. */
  path: string;
  scopes?: RepositoryScope[];
  /** Name of the listed thing for errors, such as `127.0.0.1:5000/app`. */
  reference: string;
  /** Returns the entries of one decoded page body, `null`s included. */
  entries(document: unknown, response: RegistryResponse): Array<string | null>;
}

/** Registry error codes that mean "the page size `n` is not accepted". */
const PAGE_SIZE_REJECTIONS = new Set<string>([RegistryErrorCode.unsupported, RegistryErrorCode.paginationNumberInvalid]);

/**
 * Reads every page of `endpoint` and returns the entries in the order the
 * registry sent them, without `null`s (duplicates are kept for the caller).
 *
 * A registry that rejects the page size with 400, `UNSUPPORTED` or
 * `PAGINATION_NUMBER_INVALID` is asked again with a smaller `n` (1,000, then
 * 100, then none). `Link` targets may be relative or absolute but must stay
 * on the origin that sent them. A URL requested twice, or more than
 * `maxPages` pages, is an {@link InvalidResponseError}.
 */
export async function listAllPages(transport: RegistryTransport, endpoint: ListEndpoint, options: PageOptions = {}): Promise<string[]> {
  const pageSizes = pageSizeLadder(options.pageSize ?? DEFAULT_PAGE_SIZE);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  let sizeIndex = 0;
  let url: string | undefined = pageUrl(endpoint.path, pageSizes[0]);
  let builtHere = true;
  let last: string | undefined;
  const visited = new Set<string>();
  const seenEntries = new Set<string>();
  const entries: string[] = [];
  let pages = 0;

  while (url !== undefined) {
    pages += 1;
    if (pages > maxPages) {
      throw paginationError(endpoint, redactUrl(url), 'PAGINATION_LIMIT', `read ${maxPages} pages of ${endpoint.reference} without reaching the end; raise maxPages if the list is really that long`);
    }
    const response = await transport.request(endpoint.registry, {
      method: 'GET',
      url,
      scopes: endpoint.scopes,
      idempotent: true,
      reference: endpoint.reference,
      signal: options.signal,
    });
    visited.add(absoluteKey(url, response));

    if (response.status !== 200) {
      const error = await errorFromResponse(response, { reference: endpoint.reference });
      if (builtHere && sizeIndex < pageSizes.length - 1 && rejectsPageSize(error)) {
        sizeIndex += 1;
        url = pageUrl(endpoint.path, pageSizes[sizeIndex], last);
        pages -= 1;
        continue;
      }
      throw error;
    }

    const body = await readBody(response, MAX_LIST_PAGE_BYTES, 'a list page', endpoint.reference);
    const page = endpoint.entries(parseJsonBody(response, body, 'a list page', endpoint.reference), response).filter((entry): entry is string => entry !== null);
    const fresh = page.filter((entry) => !seenEntries.has(entry));
    for (const entry of page) {
      seenEntries.add(entry);
    }
    entries.push(...page);

    const link = nextLink(headerValue(response, Header.link));
    if (link !== undefined) {
      url = followLink(endpoint, response, link, visited);
      builtHere = false;
      continue;
    }
    // Without Link, a page of exactly `n` entries may still be followed by more: continue after
    // its last entry, and stop once a page brings nothing new (a registry that ignores `last`).
    // A page longer than `n` comes from a registry that ignores `n` and sent everything.
    const pageSize = pageSizes[sizeIndex];
    last = page.at(-1);
    const full = pageSize !== undefined && page.length === pageSize;
    url = full && fresh.length > 0 && last !== undefined ? pageUrl(endpoint.path, pageSize, last) : undefined;
    builtHere = true;
  }
  return entries;
}

/** Returns the `n` values to try: the requested one, then 1,000 and 100 when smaller, then no `n`. */
function pageSizeLadder(requested: number): Array<number | undefined> {
  if (!Number.isSafeInteger(requested) || requested < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${requested}`);
  }
  const sizes: Array<number | undefined> = [requested];
  for (const smaller of [1000, 100]) {
    if (smaller < requested) {
      sizes.push(smaller);
    }
  }
  sizes.push(undefined);
  return sizes;
}

function pageUrl(path: string, pageSize: number | undefined, last?: string): string {
  let url = path;
  if (pageSize !== undefined) {
    url = appendQuery(url, 'n', String(pageSize));
  }
  if (last !== undefined) {
    url = appendQuery(url, 'last', last);
  }
  return url;
}

/** Returns true for the errors of registries that reject a large `n`. A 400 about the name itself does not count. */
function rejectsPageSize(error: RegistryError): boolean {
  if (error.errors.some((diagnostic) => PAGE_SIZE_REJECTIONS.has(diagnostic.code))) {
    return true;
  }
  return error.status === 400 && !error.errors.some((diagnostic) => diagnostic.code === RegistryErrorCode.nameInvalid);
}

/** Resolves a `Link` target against the page that sent it and rejects other origins and loops. */
function followLink(endpoint: ListEndpoint, response: RegistryResponse, link: string, visited: Set<string>): string {
  let target: URL;
  try {
    target = new URL(link, response.url);
  } catch {
    throw paginationError(endpoint, response.url, 'INVALID_LINK', `${response.method} ${response.url} returned an invalid Link header target`);
  }
  const origin = new URL(response.url).origin;
  if (target.origin !== origin) {
    throw paginationError(
      endpoint,
      response.url,
      'CROSS_ORIGIN_LINK',
      `${response.method} ${response.url} returned a Link to another origin (${target.origin}); tagkeeper follows pagination links only on ${origin}`,
    );
  }
  const key = target.toString();
  if (visited.has(key)) {
    throw paginationError(endpoint, response.url, 'PAGINATION_LOOP', `${response.method} ${response.url} returned a Link to a page already read (${redactUrl(key)}); the registry's pagination loops`);
  }
  return key;
}

function absoluteKey(url: string, response: RegistryResponse): string {
  try {
    return new URL(url, response.url).toString();
  } catch {
    return url;
  }
}

function paginationError(endpoint: ListEndpoint, url: string, code: string, message: string): InvalidResponseError {
  return new InvalidResponseError({ method: 'GET', url, reference: endpoint.reference, code, message });
}
