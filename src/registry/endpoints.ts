import { InvalidResponseError } from './errors.js';
import type { RegistryResponse } from './transport-types.js';

/**
 * URL paths of the distribution API (OCI distribution-spec v1.1.0,
 * "Endpoints") and the headers that carry URLs back: `Location` and `Link`.
 * Repository names, tags and digests are validated before they get here, so
 * they are inserted as they are.
 */

/** `/v2/<name>/manifests/<reference>`, where the reference is a tag or digest. */
export function manifestPath(repository: string, identifier: string): string {
  return `/v2/${repository}/manifests/${identifier}`;
}

/** `/v2/<name>/blobs/<digest>`. */
export function blobPath(repository: string, digest: string): string {
  return `/v2/${repository}/blobs/${digest}`;
}

/** `/v2/<name>/blobs/uploads/`, where uploads start. */
export function uploadsPath(repository: string): string {
  return `/v2/${repository}/blobs/uploads/`;
}

/** `/v2/<name>/tags/list`. */
export function tagsPath(repository: string): string {
  return `/v2/${repository}/tags/list`;
}

/** `/v2/_catalog`. */
export const CATALOG_PATH = '/v2/_catalog';

/** Returns the single value of header `name` (lower-case), or undefined; repeated values are joined as HTTP allows. */
export function headerValue(response: Pick<RegistryResponse, 'headers'>, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Resolves a `Location` header against the URL that sent it. Relative values
 * (`/v2/app/blobs/uploads/UUID?_state=…`) get the registry's origin, absolute
 * ones stay as they are, and the query (`_state` and others) is kept.
 */
export function resolveLocation(response: RegistryResponse): string {
  const location = headerValue(response, 'location');
  if (location === undefined || location.trim() === '') {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      code: 'MISSING_LOCATION',
      message: `${response.method} ${response.url} returned HTTP ${response.status} without a Location header; the registry cannot continue this upload`,
    });
  }
  try {
    return new URL(location.trim(), response.url).toString();
  } catch {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      code: 'INVALID_LOCATION',
      message: `${response.method} ${response.url} returned an invalid Location header`,
    });
  }
}

/**
 * Appends `name=value` to the query of `url`, keeping the existing query
 * byte for byte. `URLSearchParams` would re-encode it, and some registries
 * sign their `_state` value.
 */
export function appendQuery(url: string, name: string, value: string): string {
  const hashIndex = url.indexOf('#');
  const base = hashIndex === -1 ? url : url.slice(0, hashIndex);
  let separator = '&';
  if (!base.includes('?')) {
    separator = '?';
  } else if (base.endsWith('?') || base.endsWith('&')) {
    separator = '';
  }
  return `${base}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/**
 * Returns the target of the `rel="next"` entry of an RFC 8288 `Link` header
 * (`<url>; rel="next"`), or undefined. Other relations and parameters are
 * ignored.
 */
export function nextLink(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const pattern = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  for (const match of header.matchAll(pattern)) {
    const target = match[1];
    const parameters = match[2] ?? '';
    const relations = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(parameters);
    const relation = relations?.[1] ?? relations?.[2] ?? '';
    if (target !== undefined && relation.toLowerCase().split(/\s+/).includes('next')) {
      return target;
    }
  }
  return undefined;
}
