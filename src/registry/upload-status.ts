/**
 * The status of an upload session (OCI distribution-spec v1.1.0, "Getting
 * the upload status"): how many bytes the registry has stored, so a chunked
 * upload can continue after a PATCH whose response was lost.
 */
import { headerValue, resolveLocation } from './endpoints.js';
import { InvalidResponseError, isRegistryError } from './errors.js';
import { formatRepository, type Reference } from './reference.js';
import { discardBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import type { RegistryTransport } from './transport-types.js';
import { Header } from './wire.js';

/** Status of an upload: the bytes the registry stored and the URL for the rest. */
export interface UploadStatus {
  location: string;
  /** Bytes stored so far. */
  stored: number;
}

/**
 * Reads the status of the upload at `location` with GET (204 with `Range`
 * and `Location`).
 *
 * A `Range` of `0-0` is read as one byte stored. Registries also send it for
 * an empty session. A caller then resends from the second byte and gets HTTP
 * 416, so the upload fails as it would have without the status.
 *
 * @throws RegistryError for an error status, InvalidResponseError for a missing or malformed `Range`.
 */
export async function readUploadStatus(
  transport: RegistryTransport,
  repository: Reference,
  location: string,
  signal?: AbortSignal,
): Promise<UploadStatus> {
  const response = await transport.request(repository.registry, {
    method: 'GET',
    url: location,
    scopes: [{ repository: repository.repository, actions: ['pull', 'push'] }],
    reference: formatRepository(repository),
    signal,
  });
  if (response.status !== 204 && response.status !== 200) {
    throw await errorFromResponse(response, { reference: formatRepository(repository) });
  }
  discardBody(response);

  const range = headerValue(response, Header.range);
  const last = /^(?:bytes=)?0-(\d+)$/.exec(range?.trim() ?? '')?.[1];
  if (last === undefined || !Number.isSafeInteger(Number(last))) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      code: 'UPLOAD_RANGE_INVALID',
      message: `${response.method} ${response.url} returned the upload status with Range ${JSON.stringify(range ?? null)}, not 0-<last byte>; the upload cannot continue`,
    });
  }
  return { location: resolveLocation(response), stored: Number(last) + 1 };
}

/**
 * Returns true for a PATCH failure after which the upload status shows where
 * to continue: a network failure, a time-out or a 5xx status. The chunk may
 * then be stored in full, in part or not at all.
 */
export function isResumableChunkFailure(error: unknown): boolean {
  if (!isRegistryError(error)) {
    return false;
  }
  return error.code === 'NETWORK' || error.code === 'TIMEOUT' || (error.status !== undefined && error.status >= 500);
}
