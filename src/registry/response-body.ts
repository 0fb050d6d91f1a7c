import { isTagkeeperError } from '../errors.js';
import { headerValue } from './endpoints.js';
import { InvalidResponseError, RegistryError } from './errors.js';
import { errorCode } from './transport/send.js';
import type { RegistryResponse } from './transport-types.js';

/**
 * Reads a whole response body into memory, up to `maxBytes`. A larger body,
 * announced by `Content-Length` or found while reading, is an
 * {@link InvalidResponseError} (code `RESPONSE_TOO_LARGE`) and the rest of it
 * is discarded, so a registry cannot make tagkeeper buffer without bound.
 */
export async function readBody(response: RegistryResponse, maxBytes: number, what: string, reference?: string): Promise<Buffer> {
  const announced = Number(headerValue(response, 'content-length'));
  if (Number.isFinite(announced) && announced > maxBytes) {
    abandonBody(response);
    throw tooLarge(response, maxBytes, what, reference, `${announced}`);
  }

  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      length += buffer.length;
      if (length > maxBytes) {
        throw tooLarge(response, maxBytes, what, reference, `more than ${maxBytes}`);
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw bodyReadError(response, error, what, length, reference);
  } finally {
    abandonBody(response);
  }
  return Buffer.concat(chunks, length);
}

/** Failures of a body read after which sending the request again may succeed. */
const BODY_TIMEOUT_CODES = new Set(['UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * Returns the typed error for a body that failed while it was read: the
 * connection closed or timed out after `received` bytes. A tagkeeper error
 * (a size limit, a digest mismatch) is returned unchanged.
 */
export function bodyReadError(response: RegistryResponse, error: unknown, what: string, received: number, reference?: string): Error {
  if (isTagkeeperError(error)) {
    return error;
  }
  const code = errorCode(error);
  const timedOut = code !== undefined && BODY_TIMEOUT_CODES.has(code);
  const reason = error instanceof Error ? error.message : String(error);
  return new RegistryError({
    method: response.method,
    url: response.url,
    status: response.status,
    reference,
    code: timedOut ? 'TIMEOUT' : 'NETWORK',
    retryable: true,
    cause: error,
    message: `${response.method} ${response.url} ${timedOut ? 'timed out' : 'failed'} while reading ${what} after ${received} bytes (${code ?? reason}); the connection was cut, try again`,
  });
}

/** Parses `bytes` as JSON, or throws an {@link InvalidResponseError} naming the request. */
export function parseJsonBody(response: RegistryResponse, bytes: Buffer, what: string, reference?: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      reference,
      code: 'INVALID_JSON',
      message: `${response.method} ${response.url} returned ${what} that is not valid JSON (${(error as Error).message})`,
      cause: error,
    });
  }
}

/** Discards a body the caller does not need, so the connection returns to the pool. */
export function discardBody(response: RegistryResponse): void {
  response.body.resume();
  response.body.on('error', () => {
    // The body was not wanted; a failure while draining it changes nothing.
  });
}

/** Closes a body without reading the rest. undici reports that as an abort, which is expected here and ignored. */
export function abandonBody(response: RegistryResponse): void {
  response.body.on('error', () => {
    // Closing the body on purpose aborts it; the abort is expected.
  });
  response.body.destroy();
}

function tooLarge(response: RegistryResponse, maxBytes: number, what: string, reference: string | undefined, size: string): InvalidResponseError {
  return new InvalidResponseError({
    method: response.method,
    url: response.url,
    status: response.status,
    reference,
    code: 'RESPONSE_TOO_LARGE',
    message: `${response.method} ${response.url} returned ${what} of ${size} bytes, over the limit of ${maxBytes} bytes`,
  });
}
