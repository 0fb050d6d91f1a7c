import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import { algorithmOf, digestOf, isValidRepositoryName } from '../grammar.js';
import { readBody, sendEmpty, type Exchange } from '../http.js';
import type { UploadSession } from '../uploads.js';
import { methodNotAllowed, requireValidDigest, type RegistryContext } from './context.js';

/**
 * Serves `POST /v2/<name>/blobs/uploads/`: a cross-repository mount
 * (`?mount=&from=`), a monolithic upload (`?digest=` with the body), or a new
 * upload session, sent as 202 with its `Location`.
 */
export async function handleUploadStart(context: RegistryContext, exchange: Exchange, repository: string): Promise<void> {
  if (exchange.method !== 'POST') {
    throw methodNotAllowed(exchange.method, 'POST');
  }

  const mount = exchange.query.get('mount');
  if (mount !== null) {
    requireValidDigest(mount, 'mount');
    const from = exchange.query.get('from');
    // A mount the caller may not pull from, or of a blob the source lacks,
    // falls back to a normal upload session (distribution-spec v1.1.0).
    if (
      from !== null &&
      isValidRepositoryName(from) &&
      exchange.caller.mayPull(from) &&
      context.store.mountBlob(repository, from, mount)
    ) {
      return sendBlobCreated(exchange, repository, mount);
    }
  }

  const digest = exchange.query.get('digest');
  if (digest !== null && mount === null) {
    requireValidDigest(digest, 'upload');
    const body = await readBody(exchange.req);
    const actual = digestOf(body.chunks, algorithmOf(digest));
    if (actual !== digest) {
      throw digestMismatch(digest, actual);
    }
    context.store.putBlob(repository, { digest, chunks: body.chunks, size: body.size });
    return sendBlobCreated(exchange, repository, digest);
  }

  // A POST that starts a session carries no content; its body is read and dropped.
  await readBody(exchange.req, 0);
  const session = context.uploads.create(repository);
  sendEmpty(exchange, 202, sessionHeaders(context, exchange, session));
}

/**
 * Serves `/v2/<name>/blobs/uploads/<id>`: PATCH appends a chunk, PUT appends
 * an optional last chunk and completes the upload against `?digest=`, GET
 * returns the status, DELETE cancels the session.
 */
export async function handleUploadSession(
  context: RegistryContext,
  exchange: Exchange,
  repository: string,
  id: string,
): Promise<void> {
  const session = context.uploads.get(repository, id);
  if (!session) {
    throw registryError(404, RegistryErrorCode.blobUploadUnknown, undefined, { uuid: id });
  }
  const state = context.uploads.checkState(session, exchange.query.get('_state'));
  if (state === 'invalid') {
    throw uploadInvalid('the upload URL lacks the _state query value of the Location header; send requests to the Location as given');
  }

  switch (exchange.method) {
    case 'GET':
      return sendEmpty(exchange, 204, sessionHeaders(context, exchange, session));
    case 'DELETE':
      context.uploads.delete(session.id);
      return sendEmpty(exchange, 204);
    case 'PATCH':
      await receiveChunk(context, exchange, session, state === 'stale');
      return sendEmpty(exchange, 202, sessionHeaders(context, exchange, session));
    case 'PUT':
      return completeUpload(context, exchange, session, state === 'stale');
    default:
      throw methodNotAllowed(exchange.method, 'GET, PATCH, PUT, DELETE');
  }
}

async function completeUpload(
  context: RegistryContext,
  exchange: Exchange,
  session: UploadSession,
  stale: boolean,
): Promise<void> {
  const digest = exchange.query.get('digest');
  if (digest === null) {
    throw registryError(400, RegistryErrorCode.digestInvalid, 'the digest query parameter is missing; complete an upload with PUT <location>&digest=<digest>');
  }
  requireValidDigest(digest, 'upload');
  await receiveChunk(context, exchange, session, stale);

  // The session ends here, matched or not: a client whose digest was wrong
  // starts a new upload.
  context.uploads.delete(session.id);
  const actual = session.digestAs(algorithmOf(digest));
  if (actual !== digest) {
    throw digestMismatch(digest, actual);
  }
  context.store.putBlob(session.repository, { digest, chunks: session.chunks, size: session.size });
  sendBlobCreated(exchange, session.repository, digest);
}

/**
 * Appends the request body to the session. With `Content-Range` the chunk
 * must start at the current size (else 416) and have the stated length (else
 * 400 SIZE_INVALID). Without it, the `_state` of the URL must be current. The
 * offset is checked again after the body arrived, so two overlapping
 * requests cannot both append.
 */
async function receiveChunk(
  context: RegistryContext,
  exchange: Exchange,
  session: UploadSession,
  stale: boolean,
): Promise<void> {
  const range = parseContentRange(exchange.req.headers[Header.contentRange]);
  if (range === 'invalid') {
    throw uploadInvalid(`invalid Content-Range "${exchange.req.headers[Header.contentRange]}"; send <start>-<end> with inclusive byte offsets`, 400);
  }
  if (range && range.start !== session.size) {
    throw rangeNotSatisfiable(context, exchange, session, range.start);
  }
  if (!range && stale) {
    throw uploadInvalid('the upload URL is out of date; send the next request to the Location of the last response');
  }

  const offset = session.size;
  const body = await readBody(exchange.req);
  if (session.size !== offset) {
    throw rangeNotSatisfiable(context, exchange, session, offset);
  }
  if (range && body.size !== range.end - range.start + 1) {
    throw registryError(
      400,
      RegistryErrorCode.sizeInvalid,
      `Content-Range ${range.start}-${range.end} announces ${range.end - range.start + 1} bytes, but the body has ${body.size}`,
    );
  }
  session.append(body.chunks);
}

/** Parses `Content-Range` of a chunk: `<start>-<end>`, also with a `bytes ` prefix and a `/<size>` suffix. */
export function parseContentRange(header: string | undefined): { start: number; end: number } | 'invalid' | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(header.trim());
  if (!match) {
    return 'invalid';
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  return end < start ? 'invalid' : { start, end };
}

function sessionHeaders(context: RegistryContext, exchange: Exchange, session: UploadSession): Record<string, string> {
  const state = encodeURIComponent(context.uploads.state(session));
  return {
    [Header.location]: `${exchange.origin}/v2/${session.repository}/blobs/uploads/${session.id}?_state=${state}`,
    [Header.range]: session.rangeHeader(),
    [Header.uploadUuid]: session.id,
  };
}

function sendBlobCreated(exchange: Exchange, repository: string, digest: string): void {
  sendEmpty(exchange, 201, {
    [Header.location]: `${exchange.origin}/v2/${repository}/blobs/${digest}`,
    [Header.contentDigest]: digest,
  });
}

function rangeNotSatisfiable(context: RegistryContext, exchange: Exchange, session: UploadSession, start: number) {
  return registryError(
    416,
    RegistryErrorCode.blobUploadInvalid,
    `the chunk starts at byte ${start}, but the upload has ${session.size} bytes; resume from the Range header`,
    undefined,
    sessionHeaders(context, exchange, session),
  );
}

// CNCF Distribution 2.8 sends BLOB_UPLOAD_INVALID with status 404.
function uploadInvalid(message: string, status = 404) {
  return registryError(status, RegistryErrorCode.blobUploadInvalid, message);
}

function digestMismatch(expected: string, actual: string) {
  return registryError(400, RegistryErrorCode.digestInvalid, `the uploaded content has digest ${actual}, not ${expected}`, {
    digest: expected,
  });
}
