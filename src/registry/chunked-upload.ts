/**
 * Chunked blob uploads (OCI distribution-spec v1.1.0, "Pushing a blob in
 * chunks"): PATCH chunks with `Content-Range`, following each new
 * `Location`, then PUT `?digest=`. At most one chunk of the stream is held
 * in memory, which also lets a chunk be sent again after a failed PATCH.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobInfo } from './blobs.js';
import { parseDigest, type DigestAlgorithm } from './digest.js';
import { headerValue } from './endpoints.js';
import { DigestMismatchError, InvalidResponseError } from './errors.js';
import { formatRepository, type Reference } from './reference.js';
import type { RegistryTransport } from './transport-types.js';
import { cancelUpload, finishUpload, minimumOf, OCTET_STREAM, sessionFrom, startUpload, type UploadSession } from './upload-session.js';
import { isResumableChunkFailure, readUploadStatus } from './upload-status.js';
import { Header } from './wire.js';

/** Default chunk of chunked uploads; at most this much of a stream is held in memory. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** Times one chunk is sent again after a failed PATCH, each time from the end of what the upload status reports as stored. */
const CHUNK_RESUMES = 3;

/** Options of {@link uploadChunked}. */
export interface ChunkedUploadOptions {
  /** Expected digest; the content's digest is computed on the way and must match. */
  digest?: string;
  /** Expected size in bytes. */
  size?: number;
  /** Bytes per PATCH; default {@link DEFAULT_CHUNK_SIZE}, raised to the registry's `OCI-Chunk-Min-Length`. */
  chunkSize?: number;
  /** An upload already opened. */
  session?: UploadSession;
  signal?: AbortSignal;
}

/** Uploads `content` in chunks and returns its digest and size. A failure cancels the session. */
export async function uploadChunked(transport: RegistryTransport, repository: Reference, content: Readable, options: ChunkedUploadOptions): Promise<BlobInfo> {
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
