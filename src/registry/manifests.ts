import { computeDigest, isValidDigest, parseDigest, verifyDigest } from './digest.js';
import { headerValue, manifestPath } from './endpoints.js';
import { DigestMismatchError, InvalidReferenceError, InvalidResponseError } from './errors.js';
import { decodeManifest, InvalidManifestError, isManifestMediaType, normalizeMediaType, type DecodedManifest } from './manifest-decode.js';
import type { Descriptor, Manifest } from './manifest-schemas.js';
import { formatReference, manifestIdentifier, type Reference } from './reference.js';
import { discardBody, readBody } from './response-body.js';
import { errorFromResponse } from './transport/response-error.js';
import type { RegistryResponse, RegistryTransport } from './transport-types.js';
import { Header, MANIFEST_MEDIA_TYPES, MAX_MANIFEST_BYTES } from './wire.js';

/**
 * Manifest operations of the distribution API (OCI distribution-spec v1.1.0,
 * "Pulling manifests", "Pushing manifests", "Deleting manifests"). Every
 * manifest read is checked against the digest it was requested by and the
 * digest the registry announces.
 */

/** The `Accept` header of manifest requests: every media type tagkeeper reads. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** A manifest as the registry served it: the exact bytes, their descriptor and the parsed document. */
export interface FetchedManifest {
  reference: Reference;
  descriptor: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
  bytes: Buffer;
  manifest: Manifest;
}

/** Options every registry operation takes. */
export interface OperationOptions {
  signal?: AbortSignal;
}

async function sendManifestRequest(transport: RegistryTransport, reference: Reference, method: 'HEAD' | 'GET', options: OperationOptions) {
  const referenceText = formatReference(reference);
  const response = await transport.request(reference.registry, {
    method,
    url: manifestPath(reference.repository, manifestIdentifier(reference)),
    scopes: [{ repository: reference.repository, actions: ['pull'] }],
    headers: { [Header.accept]: MANIFEST_ACCEPT },
    idempotent: true,
    reference: referenceText,
    signal: options.signal,
  });
  return { response, referenceText };
}

/**
 * Resolves `reference` to its descriptor with a HEAD request. When the
 * registry returns 405 for HEAD, or omits `Docker-Content-Digest`,
 * `Content-Type` or `Content-Length`, the manifest is fetched with GET and
 * its digest computed instead.
 */
export async function headManifest(transport: RegistryTransport, reference: Reference, options: OperationOptions = {}): Promise<FetchedManifest['descriptor']> {
  const { response, referenceText } = await sendManifestRequest(transport, reference, 'HEAD', options);
  if (response.status === 405) {
    discardBody(response);
    return (await getManifest(transport, reference, options)).descriptor;
  }
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);

  const digest = headerValue(response, Header.contentDigest)?.trim();
  const mediaType = normalizeMediaType(headerValue(response, Header.contentType));
  const size = Number(headerValue(response, Header.contentLength) ?? Number.NaN);
  if (digest !== undefined && !isValidDigest(digest)) {
    throw invalidDigestHeader(response, digest, referenceText);
  }
  const sizeKnown = Number.isSafeInteger(size) && size >= 0;
  if (digest === undefined || mediaType === undefined || !isManifestMediaType(mediaType) || !sizeKnown) {
    return (await getManifest(transport, reference, options)).descriptor;
  }
  if (reference.digest !== undefined) {
    // A registry that announces another algorithm than requested cannot be compared here; GET verifies the bytes.
    if (parseDigest(reference.digest).algorithm !== parseDigest(digest).algorithm) {
      return (await getManifest(transport, reference, options)).descriptor;
    }
    if (digest !== reference.digest) {
      throw new DigestMismatchError(reference.digest, digest, `manifest ${referenceText} (Docker-Content-Digest of HEAD)`);
    }
  }
  return { mediaType, digest, size };
}

/**
 * Fetches the manifest of `reference`, at most {@link MAX_MANIFEST_BYTES}.
 * The bytes are verified against the requested digest (a by-digest fetch)
 * and against `Docker-Content-Digest` when the registry sends one; either
 * mismatch is a {@link DigestMismatchError}. A body tagkeeper cannot decode
 * is an {@link InvalidResponseError}.
 */
export async function getManifest(transport: RegistryTransport, reference: Reference, options: OperationOptions = {}): Promise<FetchedManifest> {
  const { response, referenceText } = await sendManifestRequest(transport, reference, 'GET', options);
  if (response.status !== 200) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  const bytes = await readBody(response, MAX_MANIFEST_BYTES, 'a manifest', referenceText);

  if (reference.digest !== undefined) {
    verifyDigest(bytes, reference.digest, `manifest ${referenceText}`);
  }
  const announced = headerValue(response, Header.contentDigest)?.trim();
  if (announced !== undefined) {
    if (!isValidDigest(announced)) {
      throw invalidDigestHeader(response, announced, referenceText);
    }
    verifyDigest(bytes, announced, `manifest ${referenceText} (Docker-Content-Digest)`);
  }

  let decoded: DecodedManifest;
  try {
    decoded = decodeManifest(bytes, headerValue(response, Header.contentType));
  } catch (error) {
    if (error instanceof InvalidManifestError) {
      throw new InvalidResponseError({
        method: response.method,
        url: response.url,
        status: response.status,
        reference: referenceText,
        code: 'INVALID_MANIFEST',
        message: `${response.method} ${response.url} returned an unusable manifest for ${referenceText}: ${error.reason}`,
        cause: error,
      });
    }
    throw error;
  }

  const digest = reference.digest ?? announced ?? computeDigest(bytes);
  return { reference, descriptor: { mediaType: decoded.mediaType, digest, size: bytes.length }, bytes, manifest: decoded.manifest };
}

/**
 * Uploads manifest `bytes` unchanged under the tag of `reference`, or under
 * its digest when it has no tag, and returns the manifest's digest. A digest
 * in `reference` must match the bytes, and so must the
 * `Docker-Content-Digest` the registry returns. The bytes are decoded first,
 * so a manifest that does not match `mediaType` fails before any request.
 */
export async function putManifest(
  transport: RegistryTransport,
  reference: Reference,
  bytes: Uint8Array,
  mediaType: string,
  options: OperationOptions = {},
): Promise<string> {
  const referenceText = formatReference(reference);
  const identifier = reference.tag ?? reference.digest;
  if (identifier === undefined) {
    throw new InvalidReferenceError(referenceText, 'uploading a manifest needs a tag or a digest to put it under');
  }
  checkManifestToPut(bytes, mediaType);
  if (reference.digest !== undefined) {
    verifyDigest(bytes, reference.digest, `manifest for ${referenceText}`);
  }
  const digest = reference.digest ?? computeDigest(bytes);

  const response = await transport.request(reference.registry, {
    method: 'PUT',
    url: manifestPath(reference.repository, identifier),
    scopes: [{ repository: reference.repository, actions: ['pull', 'push'] }],
    headers: { [Header.contentType]: mediaType },
    body: Buffer.from(bytes),
    idempotent: true,
    reference: referenceText,
    signal: options.signal,
  });
  if (response.status < 200 || response.status > 299) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);

  const announced = headerValue(response, Header.contentDigest)?.trim();
  if (announced !== undefined) {
    if (!isValidDigest(announced)) {
      throw invalidDigestHeader(response, announced, referenceText);
    }
    const own = parseDigest(announced).algorithm === parseDigest(digest).algorithm ? digest : computeDigest(bytes, parseDigest(announced).algorithm);
    if (own !== announced) {
      throw new DigestMismatchError(own, announced, `manifest stored as ${referenceText} (Docker-Content-Digest of PUT)`);
    }
  }
  return digest;
}

/**
 * Deletes the manifest of `reference` by digest and returns that digest. A
 * reference with only a tag is resolved first, so the manifest goes, and
 * with it every tag that points at it. Registries may disable deletes (405
 * `UNSUPPORTED`), which surfaces as a {@link RegistryError}.
 */
export async function deleteManifest(transport: RegistryTransport, reference: Reference, options: OperationOptions = {}): Promise<string> {
  const digest = reference.digest ?? (await headManifest(transport, reference, options)).digest;
  const referenceText = formatReference({ ...reference, digest });
  const response = await transport.request(reference.registry, {
    method: 'DELETE',
    url: manifestPath(reference.repository, digest),
    scopes: [{ repository: reference.repository, actions: ['delete'] }],
    idempotent: true,
    reference: referenceText,
    signal: options.signal,
  });
  if (response.status < 200 || response.status > 299) {
    throw await errorFromResponse(response, { reference: referenceText });
  }
  discardBody(response);
  return digest;
}

/** Throws {@link InvalidManifestError} unless `bytes` decode as a manifest of `mediaType`. */
function checkManifestToPut(bytes: Uint8Array, mediaType: string): void {
  if (!isManifestMediaType(mediaType)) {
    throw new InvalidManifestError(`unsupported media type ${JSON.stringify(mediaType)}; supported: ${MANIFEST_MEDIA_TYPES.join(', ')}`);
  }
  const decoded = decodeManifest(bytes, mediaType);
  if (decoded.mediaType !== mediaType) {
    throw new InvalidManifestError(`the manifest's mediaType field is ${decoded.mediaType}, but it is being uploaded as ${mediaType}`);
  }
}

function invalidDigestHeader(response: RegistryResponse, value: string, reference: string): InvalidResponseError {
  return new InvalidResponseError({
    method: response.method,
    url: response.url,
    status: response.status,
    reference,
    code: 'INVALID_DIGEST_HEADER',
    message: `${response.method} ${response.url} returned a Docker-Content-Digest ${JSON.stringify(value.slice(0, 150))} that is not a sha256 or sha512 digest, so the content cannot be verified`,
  });
}
