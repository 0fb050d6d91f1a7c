/**
 * Upload sessions (OCI distribution-spec v1.1.0, "Pushing blobs"): opening
 * one with POST, following its `Location`, completing it with PUT
 * `?digest=`, and abandoning it with DELETE.
 */
import type { Readable } from 'node:stream';
import { appendQuery, headerValue, resolveLocation, uploadsPath } from './endpoints.js';
import { formatRepository, type Reference } from './reference.js';
import { discardBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import type { RegistryResponse, RegistryTransport } from './transport-types.js';
import { Header, OCI_CHUNK_MIN_LENGTH_HEADER } from './wire.js';

/** Content type of blob upload bodies. */
export const OCTET_STREAM = 'application/octet-stream';

/** An upload the registry has opened: the URL to send content to, from the last `Location`. */
export interface UploadSession {
  repository: Reference;
  location: string;
  /** Smallest chunk the registry accepts, from `OCI-Chunk-Min-Length`. */
  minimumChunk?: number;
}

/** Opens an upload session with POST `/v2/<name>/blobs/uploads/`. */
export async function startUpload(transport: RegistryTransport, repository: Reference, options: { signal?: AbortSignal } = {}): Promise<UploadSession> {
  const response = await transport.request(repository.registry, {
    method: 'POST',
    url: uploadsPath(repository.repository),
    scopes: [{ repository: repository.repository, actions: ['pull', 'push'] }],
    headers: { [Header.contentLength]: '0' },
    reference: formatRepository(repository),
    signal: options.signal,
  });
  return sessionFrom(response, repository, 202);
}

/** Abandons an upload session (DELETE on its location); failures are ignored because the registry expires sessions anyway. */
export async function cancelUpload(transport: RegistryTransport, session: UploadSession): Promise<void> {
  try {
    const response = await transport.request(session.repository.registry, {
      method: 'DELETE',
      url: session.location,
      scopes: [{ repository: session.repository.repository, actions: ['pull', 'push'] }],
      reference: formatRepository(session.repository),
    });
    discardBody(response);
  } catch {
    // The upload is abandoned either way.
  }
}

/** Keeps the minimum chunk size the upload started with; later responses need not repeat it. */
export function minimumOf(session: UploadSession): Partial<UploadSession> {
  return session.minimumChunk === undefined ? {} : { minimumChunk: session.minimumChunk };
}

/** Completes an upload with PUT `?digest=`, with the remaining content or none, expecting 201. */
export async function finishUpload(
  transport: RegistryTransport,
  session: UploadSession,
  digest: string,
  body: Buffer | Readable | undefined,
  length: number,
  signal?: AbortSignal,
): Promise<void> {
  const referenceText = `${formatRepository(session.repository)}@${digest}`;
  const response = await transport.request(session.repository.registry, {
    method: 'PUT',
    url: appendQuery(session.location, 'digest', digest),
    scopes: [{ repository: session.repository.repository, actions: ['pull', 'push'] }],
    headers: { [Header.contentType]: OCTET_STREAM, [Header.contentLength]: String(length) },
    ...(body === undefined ? {} : { body }),
    reference: referenceText,
    signal,
  });
  if (response.status !== 201) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);
}

/** Returns the session of an upload response with status `expected`, from its `Location` and `OCI-Chunk-Min-Length`. */
export async function sessionFrom(response: RegistryResponse, repository: Reference, expected: number): Promise<UploadSession> {
  if (response.status !== expected) {
    throw await errorFromResponse(response, { reference: formatRepository(repository) });
  }
  discardBody(response);
  const minimum = Number(headerValue(response, OCI_CHUNK_MIN_LENGTH_HEADER) ?? Number.NaN);
  const location = resolveLocation(response);
  return Number.isSafeInteger(minimum) && minimum > 0 ? { repository, location, minimumChunk: minimum } : { repository, location };
}

