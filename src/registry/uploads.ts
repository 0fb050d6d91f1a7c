import { Readable } from 'node:stream';
import type { BlobInfo } from './blobs.js';
import { uploadChunked } from './chunked-upload.js';
import { computeDigest, createVerifyingStream, parseDigest, verifyDigest } from './digest.js';
import { appendQuery, uploadsPath } from './endpoints.js';
import { formatRepository, type Reference } from './reference.js';
import { discardBody } from './response-body.js';
import type { RegistryTransport } from './transport-types.js';
import { cancelUpload, finishUpload, OCTET_STREAM, sessionFrom, startUpload, type UploadSession } from './upload-session.js';
import { Header } from './wire.js';

export { DEFAULT_CHUNK_SIZE } from './chunked-upload.js';
export { cancelUpload, startUpload, type UploadSession } from './upload-session.js';

/**
 * Blob uploads (OCI distribution-spec v1.1.0, "Pushing blobs"): monolithic
 * (POST, then PUT `?digest=` with the content, or one POST `?digest=`),
 * chunked (POST, PATCH chunks with `Content-Range`, PUT `?digest=`), and
 * cross-repository mounts (POST `?mount=&from=`).
 */

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

