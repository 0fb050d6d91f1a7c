import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { AuthenticationError, NotFoundError, RegistryError, isNotFoundError, isRegistryError } from '../../../src/registry/errors.js';
import { SecretRedactor } from '../../../src/registry/redact.js';
import { attachRedactor, errorFromResponse } from '../../../src/registry/transport/response-error.js';
import type { RegistryResponse } from '../../../src/registry/transport-types.js';
import { MAX_ERROR_BODY_BYTES } from '../../../src/registry/wire.js';

/** A response as the transport returns it, with `body` as its content. */
function response(status: number, body: string | Buffer, method = 'GET', url = 'https://ghcr.io/v2/org/app/manifests/1'): RegistryResponse {
  const stream = Readable.from([Buffer.from(body)]) as RegistryResponse['body'];
  return { status, headers: {}, body: stream, url, method };
}

describe('errorFromResponse', () => {
  it('turns a 404 into NotFoundError naming the reference', async () => {
    const body = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"1"}}]}';

    const error = await errorFromResponse(response(404, body), { reference: 'ghcr.io/org/app:1' });

    expect(error).toBeInstanceOf(NotFoundError);
    expect(isNotFoundError(error)).toBe(true);
    expect(error.code).toBe('MANIFEST_UNKNOWN');
    expect(error.reference).toBe('ghcr.io/org/app:1');
    expect(error.errors).toEqual([{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '1' } }]);
    expect(error.message).toBe(
      'ghcr.io/org/app:1 not found: GET https://ghcr.io/v2/org/app/manifests/1 returned HTTP 404 (MANIFEST_UNKNOWN: manifest unknown); check the repository, tag or digest',
    );
  });

  it('names the method of a HEAD without body', async () => {
    const error = await errorFromResponse(response(404, '', 'HEAD'), { reference: 'ghcr.io/org/app:1' });

    expect(error.message).toContain('HEAD https://ghcr.io/v2/org/app/manifests/1 returned HTTP 404');
    expect(error.code).toBe('HTTP_404');
    expect(error.rawBody).toBeUndefined();
  });

  const statuses = [
    { status: 401, method: 'GET', type: AuthenticationError, retryable: false },
    { status: 403, method: 'GET', type: AuthenticationError, retryable: false },
    { status: 400, method: 'GET', type: RegistryError, retryable: false },
    { status: 429, method: 'GET', type: RegistryError, retryable: true },
    { status: 500, method: 'GET', type: RegistryError, retryable: true },
    { status: 500, method: 'HEAD', type: RegistryError, retryable: true },
    { status: 500, method: 'PUT', type: RegistryError, retryable: false },
    { status: 500, method: 'DELETE', type: RegistryError, retryable: false },
    { status: 502, method: 'PUT', type: RegistryError, retryable: true },
    { status: 503, method: 'GET', type: RegistryError, retryable: true },
    { status: 504, method: 'GET', type: RegistryError, retryable: true },
  ];

  it.each(statuses)('builds a $type.name for $method HTTP $status, retryable $retryable', async ({ status, method, type, retryable }) => {
    const error = await errorFromResponse(response(status, 'plain text failure', method));

    expect(error).toBeInstanceOf(type);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(retryable);
    expect(error.rawBody).toBe('plain text failure');
    expect(isRegistryError(error)).toBe(true);
  });

  it('tells a 403 from a 401 in the advice', async () => {
    const denied = await errorFromResponse(response(403, '{"errors":[{"code":"DENIED","message":"no push"}]}', 'PUT'));

    expect(denied.code).toBe('DENIED');
    expect(denied.message).toContain('PUT https://ghcr.io/v2/org/app/manifests/1 returned HTTP 403 (DENIED: no push)');
    expect(denied.message).toContain('lack access');
  });

  it.each([
    { name: 'invalid JSON', body: '{"errors": [' },
    { name: 'JSON without errors', body: '{"message":"boom"}' },
    { name: 'errors without codes', body: '{"errors":[{"message":"no code"}]}' },
    { name: 'empty errors', body: '{"errors":[]}' },
  ])('keeps $name as the raw body', async ({ body }) => {
    const error = await errorFromResponse(response(500, body));

    expect(error.errors).toEqual([]);
    expect(error.rawBody).toBe(body);
    expect(error.code).toBe('HTTP_500');
  });

  it(`reads at most ${MAX_ERROR_BODY_BYTES} bytes of the body`, async () => {
    const error = await errorFromResponse(response(500, Buffer.alloc(MAX_ERROR_BODY_BYTES * 3, 'x')));

    expect(error.rawBody).toHaveLength(MAX_ERROR_BODY_BYTES);
  });

  it('masks the secrets the transport sent when the body echoes them', async () => {
    const echoed = response(500, 'request had Authorization: Basic YWxpY2U6czNjcmV0LXBhc3M= and password s3cret-pass');
    attachRedactor(echoed, new SecretRedactor().addBasic('alice', 's3cret-pass'));

    const error = await errorFromResponse(echoed);

    expect(error.rawBody).not.toContain('s3cret-pass');
    expect(error.rawBody).not.toContain('YWxpY2U6czNjcmV0LXBhc3M=');
    expect(error.message).not.toContain('s3cret-pass');
  });

  it('masks credential shapes in diagnostics without a redactor', async () => {
    const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'bad header Bearer abc.def.ghi', detail: { token: 'leaked' } }] });

    const error = await errorFromResponse(response(500, body));

    expect(error.errors[0]?.message).toBe('bad header Bearer ***');
    expect(error.errors[0]?.detail).toEqual({ token: '***' });
  });

  it('redacts the URL of the response', async () => {
    const error = await errorFromResponse(response(403, '', 'GET', 'https://s3.example.net/blob?X-Amz-Signature=sig'));

    expect(error.url).toBe('https://s3.example.net/blob?X-Amz-Signature=***');
    expect(error.message).not.toContain('=sig');
  });
});
