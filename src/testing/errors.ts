import { TagkeeperError, isTagkeeperError } from '../errors.js';
import { RegistryErrorCode, type RegistryErrorCodeValue } from '../registry/wire.js';

/** An option of {@link startMemoryRegistry} is invalid, such as a host that is not a loopback address. */
export class MemoryRegistryOptionError extends TagkeeperError {
  override readonly name = 'MemoryRegistryOptionError';
  readonly code = 'INVALID_ARGUMENT';

  constructor(
    /** The option, such as `host` or `auth.users`. */
    readonly option: string,
    message: string,
  ) {
    super(`invalid memory registry option ${option}: ${message}`);
  }
}

/**
 * Default messages by error code, sent when a handler gives none: those of the
 * distribution-spec v1.1.0 error table, and Distribution's for
 * PAGINATION_NUMBER_INVALID, which the table lacks.
 */
const STANDARD_MESSAGES: Record<string, string> = {
  [RegistryErrorCode.blobUnknown]: 'blob unknown to registry',
  [RegistryErrorCode.blobUploadInvalid]: 'blob upload invalid',
  [RegistryErrorCode.blobUploadUnknown]: 'blob upload unknown to registry',
  [RegistryErrorCode.digestInvalid]: 'provided digest did not match uploaded content',
  [RegistryErrorCode.manifestBlobUnknown]: 'blob unknown to registry',
  [RegistryErrorCode.manifestInvalid]: 'manifest invalid',
  [RegistryErrorCode.manifestUnknown]: 'manifest unknown',
  [RegistryErrorCode.nameInvalid]: 'invalid repository name',
  [RegistryErrorCode.nameUnknown]: 'repository name not known to registry',
  [RegistryErrorCode.sizeInvalid]: 'provided length did not match content length',
  [RegistryErrorCode.tagInvalid]: 'manifest tag did not match URI',
  [RegistryErrorCode.unauthorized]: 'authentication required',
  [RegistryErrorCode.denied]: 'requested access to the resource is denied',
  [RegistryErrorCode.unsupported]: 'the operation is unsupported',
  [RegistryErrorCode.tooManyRequests]: 'too many requests',
  [RegistryErrorCode.paginationNumberInvalid]: 'invalid number of results requested',
  [RegistryErrorCode.unknown]: 'unknown error',
};

/** One entry of the `errors[]` body the registry sends. */
export interface ErrorEntry {
  code: RegistryErrorCodeValue;
  /** Defaults to the message of the spec's error table for `code`. */
  message?: string;
  detail?: unknown;
}

/**
 * A failed request, thrown by a handler and sent by the server as the JSON
 * body `{"errors":[{"code","message","detail"}]}` with `status` and `headers`.
 */
export class RegistryErrorResponse extends TagkeeperError {
  override readonly name = 'RegistryErrorResponse';
  readonly code: RegistryErrorCodeValue;
  readonly entries: ErrorEntry[];

  constructor(
    readonly status: number,
    entries: ErrorEntry | ErrorEntry[],
    readonly headers: Record<string, string> = {},
  ) {
    const list = (Array.isArray(entries) ? entries : [entries]).map((entry) => ({
      code: entry.code,
      message: entry.message ?? STANDARD_MESSAGES[entry.code] ?? entry.code.toLowerCase(),
      ...(entry.detail === undefined ? {} : { detail: entry.detail }),
    }));
    const first = list[0] ?? { code: RegistryErrorCode.unknown, message: 'unknown error' };
    super(`${status} ${first.code}: ${first.message}`);
    this.code = first.code;
    this.entries = list;
  }

  /** Returns the JSON body of the response. */
  body(): { errors: ErrorEntry[] } {
    return { errors: this.entries };
  }
}

/** Builds a {@link RegistryErrorResponse} with one entry. */
export function registryError(
  status: number,
  code: RegistryErrorCodeValue,
  message?: string,
  detail?: unknown,
  headers?: Record<string, string>,
): RegistryErrorResponse {
  return new RegistryErrorResponse(status, { code, ...(message === undefined ? {} : { message }), detail }, headers);
}

/** Returns true for a {@link RegistryErrorResponse}, also one from another copy of the package. */
export function isRegistryErrorResponse(value: unknown): value is RegistryErrorResponse {
  return isTagkeeperError(value) && value.name === 'RegistryErrorResponse' && typeof (value as RegistryErrorResponse).body === 'function';
}
