import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import { sendBody, sendEmpty, type Exchange } from '../http.js';
import type { StoredBlob } from '../store.js';
import {
  digestHeaders,
  matchesETag,
  methodNotAllowed,
  requireDeleteEnabled,
  requireValidDigest,
  type RegistryContext,
} from './context.js';

/** Serves `/v2/<name>/blobs/<digest>`: GET (with single `Range` requests), HEAD and DELETE. */
export function handleBlob(context: RegistryContext, exchange: Exchange, repository: string, digest: string): void {
  requireValidDigest(digest, 'blob');
  switch (exchange.method) {
    case 'GET':
    case 'HEAD':
      return getBlob(context, exchange, repository, digest);
    case 'DELETE':
      requireDeleteEnabled(context);
      if (!context.store.deleteBlob(repository, digest)) {
        throw blobUnknown(digest);
      }
      return sendEmpty(exchange, 202);
    default:
      throw methodNotAllowed(exchange.method, 'GET, HEAD, DELETE');
  }
}

function getBlob(context: RegistryContext, exchange: Exchange, repository: string, digest: string): void {
  const blob = context.store.blob(repository, digest);
  if (!blob) {
    throw blobUnknown(digest);
  }

  // The headers CNCF Distribution 2.8 sends for a blob from filesystem storage.
  const headers: Record<string, string> = {
    ...digestHeaders(digest),
    [Header.contentType]: 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'max-age=31536000',
  };
  if (matchesETag(exchange.req.headers['if-none-match'], digest)) {
    exchange.res.writeHead(304, headers);
    exchange.res.end();
    return;
  }

  const range = parseRange(exchange.req.headers[Header.range], blob.size);
  if (range === 'unsatisfiable') {
    sendBody(exchange, 416, { ...headers, [Header.contentRange]: `bytes */${blob.size}` }, [
      Buffer.from('invalid range: failed to overlap'),
    ]);
    return;
  }
  if (range) {
    const partial = { ...headers, [Header.contentRange]: `bytes ${range.start}-${range.end}/${blob.size}` };
    sendBody(exchange, 206, partial, slice(blob, range.start, range.end + 1));
    return;
  }
  sendBody(exchange, 200, headers, blob.chunks);
}

/**
 * Parses a `Range: bytes=…` header with one range (RFC 9110, section 14.1.2):
 * `a-b`, `a-` or the suffix form `-n`. Returns `unsatisfiable` when the range
 * starts past the end. Returns undefined when there is no header, or it is
 * invalid or has several ranges, so the whole blob is sent as RFC 9110 allows.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  const first = match[1] ?? '';
  const last = match[2] ?? '';

  if (first === '') {
    const length = Number(last);
    if (length === 0 || size === 0) {
      return 'unsatisfiable';
    }
    return { start: Math.max(size - length, 0), end: size - 1 };
  }

  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) {
    return 'unsatisfiable';
  }
  if (end < start) {
    return undefined;
  }
  return { start, end };
}

/** Returns the bytes `[start, end)` of the blob without copying whole chunks. */
function slice(blob: StoredBlob, start: number, end: number): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const chunk of blob.chunks) {
    const chunkEnd = offset + chunk.length;
    if (chunkEnd > start && offset < end) {
      parts.push(chunk.subarray(Math.max(start - offset, 0), Math.min(end - offset, chunk.length)));
    }
    offset = chunkEnd;
  }
  return parts;
}

function blobUnknown(digest: string) {
  return registryError(404, RegistryErrorCode.blobUnknown, undefined, { digest });
}
