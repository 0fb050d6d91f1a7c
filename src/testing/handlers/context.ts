import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError, type RegistryErrorResponse } from '../errors.js';
import { isValidDigest } from '../grammar.js';
import type { MemoryStore } from '../store.js';
import type { UploadSessions } from '../uploads.js';

/** State and settings shared by the handlers: the content, the open uploads and the behaviour options. */
export interface RegistryContext {
  store: MemoryStore;
  uploads: UploadSessions;
  deleteEnabled: boolean;
  referrersApi: boolean;
  acceptNegotiation: 'distribution' | 'none';
  pageSize: number | undefined;
  maxPageSize: number | undefined;
}

/** Throws 400 DIGEST_INVALID unless `digest` is a valid `sha256:` or `sha512:` digest. */
export function requireValidDigest(digest: string, what: string): void {
  if (!isValidDigest(digest)) {
    throw registryError(
      400,
      RegistryErrorCode.digestInvalid,
      `invalid ${what} digest "${digest}"; use sha256:<64 lower-case hex> or sha512:<128 lower-case hex>`,
      { digest },
    );
  }
}

/** Throws 405 UNSUPPORTED when deletes are disabled, as Distribution does without `storage.delete.enabled`. */
export function requireDeleteEnabled(context: RegistryContext): void {
  if (!context.deleteEnabled) {
    throw registryError(405, RegistryErrorCode.unsupported, 'deletes are disabled on this registry');
  }
}

/** Headers that identify stored content by digest: `Docker-Content-Digest` and an `ETag`. */
export function digestHeaders(digest: string): Record<string, string> {
  return { [Header.contentDigest]: digest, etag: `"${digest}"` };
}

/** Returns true when `If-None-Match` lists the ETag of `digest`, so a 304 can be sent. */
export function matchesETag(ifNoneMatch: string | undefined, digest: string): boolean {
  if (!ifNoneMatch) {
    return false;
  }
  return ifNoneMatch.split(',').some((value) => {
    const tag = value.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${digest}"` || tag === digest;
  });
}

/** Returns the 405 response for a method the endpoint does not serve, with `Allow` listing the ones it does. */
export function methodNotAllowed(method: string, allowed: string): RegistryErrorResponse {
  return registryError(405, RegistryErrorCode.unsupported, `${method} is not supported here; use ${allowed}`, undefined, {
    allow: allowed,
  });
}
