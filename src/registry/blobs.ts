import type { Readable } from 'node:stream';
import { createVerifyingStream, DigestVerifier, SizeMismatchError, validateDigest } from './digest.js';
import { blobPath, headerValue } from './endpoints.js';
import { InvalidResponseError } from './errors.js';
import { formatRepository, type Reference } from './reference.js';
import { abandonBody, bodyReadError, discardBody, readBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import type { RegistryTransport } from './transport-types.js';
import { Header } from './wire.js';

/**
 * Blob reads (OCI distribution-spec v1.1.0, "Pulling blobs", "Checking if
 * content exists in the registry"). Downloads are streamed and verified
 * against their digest as they flow; uploads are in `uploads.ts`.
 */

/** Digest and size of a blob as the registry reports them. */
export interface BlobInfo {
  digest: string;
  size: number;
}

/** A blob download in progress. */
export interface BlobDownload {
  /** Size announced by `Content-Length`, or the expected size passed in; undefined when neither is known. */
  size: number | undefined;
  /**
   * The content. It fails with `DigestMismatchError` at its end, or with
   * `SizeMismatchError` as soon as it outgrows the expected size, so reading
   * it to the end is what verifies it.
   */
  stream: Readable;
}

/** Options of blob reads. */
export interface BlobReadOptions {
  /** Size from the blob's descriptor; a different `Content-Length` or content length fails the download. */
  size?: number;
  signal?: AbortSignal;
}

/** Returns digest and size of a blob with HEAD; a missing blob is a `NotFoundError`. */
export async function headBlob(transport: RegistryTransport, repository: Reference, digest: string, options: { signal?: AbortSignal } = {}): Promise<BlobInfo> {
  const { response, referenceText } = await sendBlobHead(transport, repository, digest, options);
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);
  const size = Number(headerValue(response, Header.contentLength) ?? Number.NaN);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      reference: referenceText,
      code: 'MISSING_CONTENT_LENGTH',
      message: `${response.method} ${response.url} returned no valid Content-Length for ${referenceText}, so the blob size is unknown`,
    });
  }
  return { digest, size };
}

/** Returns true when the repository has the blob (HEAD 200), false on 404; other failures throw. */
export async function blobExists(transport: RegistryTransport, repository: Reference, digest: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
  const { response, referenceText } = await sendBlobHead(transport, repository, digest, options);
  if (response.status === 404) {
    discardBody(response);
    return false;
  }
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);
  return true;
}

async function sendBlobHead(transport: RegistryTransport, repository: Reference, digest: string, options: { signal?: AbortSignal }) {
  validateDigest(digest);
  const referenceText = `${formatRepository(repository)}@${digest}`;
  const response = await transport.request(repository.registry, {
    method: 'HEAD',
    url: blobPath(repository.repository, digest),
    scopes: [{ repository: repository.repository, actions: ['pull'] }],
    idempotent: true,
    followRedirects: true,
    reference: referenceText,
    signal: options.signal,
  });
  return { response, referenceText };
}

/**
 * Starts downloading a blob. The request sends `Accept-Encoding:
 * identity`, so no proxy compresses the content and sizes and digests
 * match, and follows redirects to blob storage. The returned stream is
 * verified as it flows, see {@link BlobDownload.stream}.
 */
export async function getBlob(transport: RegistryTransport, repository: Reference, digest: string, options: BlobReadOptions = {}): Promise<BlobDownload> {
  validateDigest(digest);
  const referenceText = `${formatRepository(repository)}@${digest}`;
  const response = await transport.request(repository.registry, {
    method: 'GET',
    url: blobPath(repository.repository, digest),
    scopes: [{ repository: repository.repository, actions: ['pull'] }],
    headers: { [Header.acceptEncoding]: 'identity' },
    idempotent: true,
    followRedirects: true,
    reference: referenceText,
    signal: options.signal,
  });
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }

  const announced = Number(headerValue(response, Header.contentLength) ?? Number.NaN);
  const length = Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined;
  if (options.size !== undefined && length !== undefined && length !== options.size) {
    abandonBody(response);
    throw new SizeMismatchError(options.size, length, `blob ${referenceText} (Content-Length)`);
  }

  const expectedSize = options.size ?? length;
  const verified = createVerifyingStream(digest, `blob ${referenceText}`, expectedSize);
  // A failed download reaches readers of `verified` as a typed error, not as undici's socket error.
  let received = 0;
  response.body.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  response.body.on('error', (error) => {
    verified.destroy(bodyReadError(response, error, `blob ${referenceText}`, received, referenceText));
  });
  verified.on('close', () => {
    response.body.destroy();
  });
  response.body.pipe(verified);
  return { size: expectedSize, stream: verified };
}

/**
 * Reads a whole blob into memory, up to `maxBytes`, verified against its
 * digest. Meant for small blobs such as image configs.
 */
export async function readBlob(
  transport: RegistryTransport,
  repository: Reference,
  digest: string,
  options: BlobReadOptions & { maxBytes: number },
): Promise<Buffer> {
  const referenceText = `${formatRepository(repository)}@${digest}`;
  const response = await transport.request(repository.registry, {
    method: 'GET',
    url: blobPath(repository.repository, validateDigest(digest)),
    scopes: [{ repository: repository.repository, actions: ['pull'] }],
    headers: { [Header.acceptEncoding]: 'identity' },
    idempotent: true,
    followRedirects: true,
    reference: referenceText,
    signal: options.signal,
  });
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  const bytes = await readBody(response, options.maxBytes, 'a blob', referenceText);
  const verifier = new DigestVerifier(digest, `blob ${referenceText}`, options.size);
  verifier.update(bytes);
  verifier.verify();
  return bytes;
}
