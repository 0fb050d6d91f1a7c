import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobInfo } from './blobs.js';
import { computeDigest, createVerifyingStream, parseDigest, verifyDigest, type DigestAlgorithm } from './digest.js';
import { appendQuery, headerValue, resolveLocation, uploadsPath } from './endpoints.js';
import { DigestMismatchError, InvalidResponseError } from './errors.js';
import { formatRepository, type Reference } from './reference.js';
import { discardBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import { isResumableChunkFailure, readUploadStatus } from './upload-status.js';
import type { RegistryResponse, RegistryTransport } from './transport-types.js';
import { Header, OCI_CHUNK_MIN_LENGTH_HEADER } from './wire.js';

/**
 * Blob uploads (OCI distribution-spec v1.1.0, "Pushing blobs"): monolithic
 * (POST, then PUT `?digest=` with the content, or one POST `?digest=`),
 * chunked (POST, PATCH chunks with `Content-Range`, PUT `?digest=`), and
 * cross-repository mounts (POST `?mount=&from=`).
 */

/** Content type of blob upload bodies. */
const OCTET_STREAM = 'application/octet-stream';

/** Default chunk of chunked uploads; at most this much of a stream is held in memory. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** Times one chunk is sent again after a failed PATCH, each time from the end of what the upload status reports as stored. */
const CHUNK_RESUMES = 3;

/** An upload the registry has opened: the URL to send content to, from the last `Location`. */
export interface UploadSession {
  repository: Reference;
  location: string;
  /** Smallest chunk the registry accepts, from `OCI-Chunk-Min-Length`. */
  minimumChunk?: number;
}

/** Result of a mount request: 201 mounted the blob, 202 opened an upload session to use instead. */
export type MountResult = { mounted: true } | { mounted: false; session: UploadSession };

/** Options of {@link uploadBlob}. */
export interface UploadOptions {
  /** Digest of the content; computed when absent (which makes a stream of known size go chunked). */
  digest?: string;
  /** Size of the content in bytes; a stream with digest and size goes in one PUT. */
  size?: number;
  /** Force chunked PATCH requests, each of this many bytes (default monolithic when possible). */
  chunkSize?: number;
  /** Send buffered content in a single POST `?digest=`. A registry that returns 202 instead of 201 gets it again by PUT. */
  singlePost?: boolean;
  /** An upload already opened, such as the session of a mount that did not mount. */
  session?: UploadSession;
  /**
   * True when the stream checks `digest` and `size` itself, such as a `getBlob`
   * download, which fails at its end on a mismatch. The upload then hashes it
   * only once. The registry checks the digest of every upload too.
   */
  contentVerified?: boolean;
  signal?: AbortSignal;
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

/**
 * Asks the registry to mount blob `digest` from repository `from` (a path on
 * the same registry) into `repository`. The token needs `pull` on the source
 * and `push` on the target. A registry that cannot mount (unknown blob, no
 * access, mounts disabled) returns 202, and the returned session continues
 * as a normal upload.
 */
export async function mountBlob(transport: RegistryTransport, repository: Reference, digest: string, from: string, options: { signal?: AbortSignal } = {}): Promise<MountResult> {
  parseDigest(digest);
  const url = appendQuery(appendQuery(uploadsPath(repository.repository), 'mount', digest), 'from', from);
  const response = await transport.request(repository.registry, {
    method: 'POST',
    url,
    scopes: [
      { repository: from, actions: ['pull'] },
      { repository: repository.repository, actions: ['pull', 'push'] },
    ],
    headers: { [Header.contentLength]: '0' },
    reference: `${formatRepository(repository)}@${digest}`,
    signal: options.signal,
  });
  if (response.status === 201) {
    discardBody(response);
    return { mounted: true };
  }
  return { mounted: false, session: await sessionFrom(response, repository, 202) };
}

/**
 * Uploads a blob and returns its digest and size. Buffered content goes
 * monolithic (PUT `?digest=` with the body, or one POST with `singlePost`).
 * A stream of known digest and size is piped into one PUT without being
 * held in memory. A stream of unknown size or digest goes in chunks of
 * `chunkSize` (PATCH with `Content-Range`), with the digest computed on the
 * way. Content that does not match `digest` fails with DigestMismatchError.
 */
export async function uploadBlob(
  transport: RegistryTransport,
  repository: Reference,
  content: Uint8Array | Readable,
  options: UploadOptions = {},
): Promise<BlobInfo> {
  if (content instanceof Uint8Array) {
    if (options.chunkSize !== undefined) {
      return uploadChunked(transport, repository, Readable.from([Buffer.from(content)]), options);
    }
    return uploadBuffer(transport, repository, Buffer.from(content), options);
  }
  if (options.digest !== undefined && options.size !== undefined && options.chunkSize === undefined) {
    return uploadStream(transport, repository, content, { ...options, digest: options.digest, size: options.size });
  }
  return uploadChunked(transport, repository, content, options);
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

async function uploadBuffer(transport: RegistryTransport, repository: Reference, content: Buffer, options: UploadOptions): Promise<BlobInfo> {
  const digest = options.digest ?? computeDigest(content);
  const referenceText = `${formatRepository(repository)}@${digest}`;
  verifyDigest(content, digest, `upload ${referenceText}`);
  let session = options.session;

  if (session === undefined && options.singlePost === true) {
    const response = await transport.request(repository.registry, {
      method: 'POST',
      url: appendQuery(uploadsPath(repository.repository), 'digest', digest),
      scopes: [{ repository: repository.repository, actions: ['pull', 'push'] }],
      headers: { [Header.contentType]: OCTET_STREAM, [Header.contentLength]: String(content.length) },
      body: content,
      reference: referenceText,
      signal: options.signal,
    });
    if (response.status === 201) {
      discardBody(response);
      return { digest, size: content.length };
    }
    // 202: the registry ignored the body and opened a session, as the spec allows.
    session = await sessionFrom(response, repository, 202);
  }

  session ??= await startUpload(transport, repository, options);
  await finishUpload(transport, session, digest, content, content.length, options.signal);
  return { digest, size: content.length };
}

async function uploadStream(
  transport: RegistryTransport,
  repository: Reference,
  content: Readable,
  options: UploadOptions & { digest: string; size: number },
): Promise<BlobInfo> {
  const referenceText = `${formatRepository(repository)}@${options.digest}`;
  const verifier = options.contentVerified ? undefined : createVerifyingStream(options.digest, `upload ${referenceText}`, options.size);
  const verified: Readable = verifier ?? content;
  // A failed source or digest check aborts the PUT through its signal, so the request ends at once
  // instead of waiting for body bytes that will never come.
  const bodyFailed = new AbortController();
  const signal = options.signal === undefined ? bodyFailed.signal : AbortSignal.any([options.signal, bodyFailed.signal]);
  // The listeners go on before the first await, because a small source can fail (a short or
  // altered download) while the upload session is being opened. An error missed then would leave
  // the PUT waiting forever for a body that never ends.
  let sourceError: Error | undefined = content.errored ?? undefined;
  content.on('error', (error) => {
    sourceError = error;
    verifier?.destroy(error);
  });
  verified.on('error', (error) => {
    sourceError ??= error;
    bodyFailed.abort(error);
  });
  if (sourceError !== undefined) {
    throw sourceError;
  }
  if (verifier !== undefined) {
    content.pipe(verifier);
  }

  let session: UploadSession;
  try {
    session = options.session ?? (await startUpload(transport, repository, options));
  } catch (error) {
    content.destroy();
    throw error;
  }
  if (sourceError !== undefined) {
    await cancelUpload(transport, session);
    throw sourceError;
  }

  try {
    await finishUpload(transport, session, options.digest, verified, options.size, signal);
  } catch (error) {
    content.destroy();
    // A failing source or a digest mismatch aborts the PUT; report that cause, not the aborted request.
    throw sourceError ?? error;
  }
  // A registry that already has the blob may return 201 before reading the whole body; a source failure seen so far still counts.
  if (sourceError !== undefined) {
    throw sourceError;
  }
  return { digest: options.digest, size: options.size };
}

async function uploadChunked(transport: RegistryTransport, repository: Reference, content: Readable, options: UploadOptions): Promise<BlobInfo> {
  const algorithm: DigestAlgorithm = options.digest === undefined ? 'sha256' : parseDigest(options.digest).algorithm;
  const hash = createHash(algorithm);
  const upload = { session: options.session ?? (await startUpload(transport, repository, options)) };
  const chunkSize = Math.max(options.chunkSize ?? DEFAULT_CHUNK_SIZE, upload.session.minimumChunk ?? 0);
  let offset = 0;

  try {
    for await (const chunk of chunksOf(content, chunkSize)) {
      hash.update(chunk);
      await sendChunk(transport, upload, chunk, offset, options.signal);
      offset += chunk.length;
    }
    const digest = `${algorithm}:${hash.digest('hex')}`;
    if (options.digest !== undefined && digest !== options.digest) {
      throw new DigestMismatchError(options.digest, digest, `upload ${formatRepository(repository)}@${options.digest}`);
    }
    if (options.size !== undefined && offset !== options.size) {
      throw new InvalidResponseError({
        method: 'PATCH',
        url: upload.session.location,
        code: 'SIZE_MISMATCH',
        message: `upload to ${formatRepository(repository)} read ${offset} bytes, but the size given was ${options.size}`,
      });
    }
    await finishUpload(transport, upload.session, digest, undefined, 0, options.signal);
    return { digest, size: offset };
  } catch (error) {
    await cancelUpload(transport, upload.session);
    throw error;
  }
}

/**
 * Sends one chunk. After a PATCH that failed with a reset, a time-out or a
 * 5xx, it reads the upload status to learn how much the registry stored and
 * sends the rest of the chunk from there. The chunk is still in
 * memory, so this works for a stream too. Data lost before the chunk cannot
 * be sent again, so the first error is thrown then.
 */
async function sendChunk(transport: RegistryTransport, upload: { session: UploadSession }, chunk: Buffer, offset: number, signal?: AbortSignal): Promise<void> {
  let sent = 0;
  for (let resume = 0; ; resume += 1) {
    try {
      await patchChunk(transport, upload, chunk.subarray(sent), offset + sent, signal);
      return;
    } catch (error) {
      if (resume >= CHUNK_RESUMES || !isResumableChunkFailure(error) || signal?.aborted) {
        throw error;
      }
      // Distribution binds a session to the `_state` of its last Location, so after a PATCH it stored but
      // whose response was lost, the status request fails and the upload stops with the first error.
      const status = await readUploadStatus(transport, upload.session.repository, upload.session.location, signal).catch(() => undefined);
      if (status === undefined || status.stored < offset || status.stored > offset + chunk.length) {
        throw error;
      }
      upload.session = { ...upload.session, location: status.location };
      sent = status.stored - offset;
      if (sent === chunk.length) {
        return;
      }
    }
  }
}

/** Sends one chunk with PATCH and moves `upload.session` to the new `Location`. */
async function patchChunk(transport: RegistryTransport, upload: { session: UploadSession }, chunk: Buffer, offset: number, signal?: AbortSignal): Promise<void> {
  const { session } = upload;
  const end = offset + chunk.length - 1;
  const response = await transport.request(session.repository.registry, {
    method: 'PATCH',
    url: session.location,
    scopes: [{ repository: session.repository.repository, actions: ['pull', 'push'] }],
    headers: {
      [Header.contentType]: OCTET_STREAM,
      [Header.contentLength]: String(chunk.length),
      [Header.contentRange]: `${offset}-${end}`,
    },
    body: chunk,
    reference: formatRepository(session.repository),
    signal,
  });
  upload.session = { ...(await sessionFrom(response, session.repository, 202)), ...minimumOf(session) };
  const range = headerValue(response, Header.range);
  // Registries confirm what they stored as `Range: 0-<last byte>`; anything else means a chunk was lost.
  if (range !== undefined && range.replace(/^bytes=/, '') !== `0-${end}`) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      code: 'UPLOAD_RANGE_MISMATCH',
      message: `${response.method} ${response.url} confirmed Range ${range} after the chunk ${offset}-${end}; the upload lost data`,
    });
  }
}

/** Keeps the minimum chunk size the upload started with; later responses need not repeat it. */
function minimumOf(session: UploadSession): Partial<UploadSession> {
  return session.minimumChunk === undefined ? {} : { minimumChunk: session.minimumChunk };
}

/** Completes an upload with PUT `?digest=`, with the remaining content or none, expecting 201. */
async function finishUpload(
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

async function sessionFrom(response: RegistryResponse, repository: Reference, expected: number): Promise<UploadSession> {
  if (response.status !== expected) {
    throw await errorFromResponse(response, { reference: formatRepository(repository) });
  }
  discardBody(response);
  const minimum = Number(headerValue(response, OCI_CHUNK_MIN_LENGTH_HEADER) ?? Number.NaN);
  const location = resolveLocation(response);
  return Number.isSafeInteger(minimum) && minimum > 0 ? { repository, location, minimumChunk: minimum } : { repository, location };
}

/** Splits a stream into buffers of exactly `size` bytes, the last one shorter, keeping at most one chunk in memory. */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const piece of stream) {
    let data = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    while (pendingLength + data.length >= size) {
      const take = size - pendingLength;
      pending.push(data.subarray(0, take));
      yield Buffer.concat(pending, size);
      data = data.subarray(take);
      pending = [];
      pendingLength = 0;
    }
    if (data.length > 0) {
      pending.push(data);
      pendingLength += data.length;
    }
  }
  if (pendingLength > 0) {
    yield Buffer.concat(pending, pendingLength);
  }
}
