import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import { sendJson, type Exchange } from '../http.js';
import { compareLexically } from '../store.js';
import { methodNotAllowed, type RegistryContext } from './context.js';

/**
 * Serves `GET /v2/<name>/tags/list?n=&last=`. Like CNCF Distribution 2.8.2, a
 * repository that never had a tag is 404 NAME_UNKNOWN, and one whose tags were
 * all deleted lists `"tags": null`, which clients must accept as no tags.
 */
export function handleTagsList(context: RegistryContext, exchange: Exchange, repository: string): void {
  requireGet(exchange);
  const stored = context.store.repository(repository);
  if (!stored?.everTagged) {
    throw registryError(404, RegistryErrorCode.nameUnknown, undefined, { name: repository });
  }
  const page = paginate(context, exchange, context.store.tags(repository));
  const headers = linkHeader(`/v2/${repository}/tags/list`, page);
  sendJson(exchange, 200, { name: repository, tags: page.entries.length > 0 ? page.entries : null }, headers);
}

/** Serves `GET /v2/_catalog?n=&last=`: every repository that ever received a blob or a manifest. */
export function handleCatalog(context: RegistryContext, exchange: Exchange): void {
  requireGet(exchange);
  const page = paginate(context, exchange, context.store.repositoryNames());
  sendJson(exchange, 200, { repositories: page.entries }, linkHeader('/v2/_catalog', page));
}

/** One page of a sorted list. */
interface Page {
  entries: string[];
  /** The page size, for the `n` of the next link. */
  size: number;
  more: boolean;
}

/**
 * Returns the entries after `last` (exclusive), at most `n` of them. Without
 * `n` the registry's `pageSize` applies, and without that everything is
 * returned. `n` must be a non-negative integer no larger than `maxPageSize`,
 * else 400 PAGINATION_NUMBER_INVALID; `n=0` returns an empty page, as
 * Distribution 2.8 does for the catalog.
 */
function paginate(context: RegistryContext, exchange: Exchange, sorted: readonly string[]): Page {
  const size = pageSize(context, exchange.query.get('n'));
  const last = exchange.query.get('last');
  const remaining = last ? sorted.filter((entry) => compareLexically(entry, last) > 0) : [...sorted];
  if (size === undefined) {
    return { entries: remaining, size: remaining.length, more: false };
  }
  return { entries: remaining.slice(0, size), size, more: size > 0 && remaining.length > size };
}

function pageSize(context: RegistryContext, n: string | null): number | undefined {
  if (n === null || n === '') {
    return context.pageSize;
  }
  if (!/^\d{1,9}$/.test(n)) {
    throw registryError(400, RegistryErrorCode.paginationNumberInvalid, `invalid n "${n}"; send a non-negative integer`, {
      n,
    });
  }
  const size = Number(n);
  if (context.maxPageSize !== undefined && size > context.maxPageSize) {
    throw registryError(
      400,
      RegistryErrorCode.paginationNumberInvalid,
      `n ${size} is larger than this registry's maximum page size ${context.maxPageSize}; send n=${context.maxPageSize} or less`,
      { n: size, max: context.maxPageSize },
    );
  }
  return size;
}

/** Returns the `Link: <path?last=X&n=N>; rel="next"` header when more entries follow. */
function linkHeader(path: string, page: Page): Record<string, string> {
  const last = page.entries[page.entries.length - 1];
  if (!page.more || last === undefined) {
    return {};
  }
  return { [Header.link]: `<${path}?last=${encodeURIComponent(last)}&n=${page.size}>; rel="next"` };
}

function requireGet(exchange: Exchange): void {
  if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
    throw methodNotAllowed(exchange.method, 'GET');
  }
}
