import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { blobExists, getBlob, headBlob } from '../../src/registry/blobs.js';
import { computeDigest } from '../../src/registry/digest.js';
import { parseRepository } from '../../src/registry/reference.js';
import { mountBlob, uploadBlob } from '../../src/registry/uploads.js';
import { errorBody, JSON_HEADERS, mockRegistry, type MockRegistry } from './mock-registry.js';

let mock: MockRegistry;
afterEach(async () => {
  await mock.finish();
});

const content = Buffer.from('layer content for the mock registry\n');
const digest = computeDigest(content);
const repository = () => parseRepository(`${mock.registry}/team/app`);
const bodyEquals = (expected: Buffer) => (body: unknown) => Buffer.from(body as Uint8Array).equals(expected);

describe('blob reads', () => {
  it('asks for Accept-Encoding identity and streams verified content', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path: `/v2/team/app/blobs/${digest}`, method: 'GET', headers: { 'accept-encoding': 'identity' } })
      .reply(200, content, { headers: { 'content-length': String(content.length) } });

    const download = await getBlob(mock.transport, repository(), digest, { size: content.length });
    expect(download.size).toBe(content.length);
    expect(await text(download.stream)).toBe(content.toString());
  });

  it('follows a redirect to blob storage', async () => {
    mock = mockRegistry();
    const storage = mock.agent.get('https://storage.example');
    mock.pool
      .intercept({ path: `/v2/team/app/blobs/${digest}`, method: 'GET' })
      .reply(307, '', { headers: { location: `https://storage.example/blobs/${digest.slice(7)}?signature=abc` } });
    storage
      .intercept({ path: `/blobs/${digest.slice(7)}?signature=abc`, method: 'GET', headers: { 'accept-encoding': 'identity' } })
      .reply(200, content, { headers: { 'content-length': String(content.length) } });

    const download = await getBlob(mock.transport, repository(), digest, { size: content.length });
    expect(await text(download.stream)).toBe(content.toString());
  });

  it('fails the stream at its end when content differs', async () => {
    mock = mockRegistry();
    const tampered = Buffer.from(content);
    tampered[0] = 0x4c;
    mock.pool.intercept({ path: `/v2/team/app/blobs/${digest}`, method: 'GET' }).reply(200, tampered);

    const download = await getBlob(mock.transport, repository(), digest);
    await expect(text(download.stream)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', expected: digest });
  });

  it('rejects a Content-Length that differs from the descriptor size', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: `/v2/team/app/blobs/${digest}`, method: 'GET' }).reply(200, content, { headers: { 'content-length': String(content.length) } });

    await expect(getBlob(mock.transport, repository(), digest, { size: 5 })).rejects.toMatchObject({ code: 'SIZE_MISMATCH', expected: 5 });
  });

  it('verifies sha512 blobs', async () => {
    mock = mockRegistry();
    const sha512 = computeDigest(content, 'sha512');
    mock.pool.intercept({ path: `/v2/team/app/blobs/${sha512}`, method: 'GET' }).reply(200, content);

    expect(await text((await getBlob(mock.transport, repository(), sha512)).stream)).toBe(content.toString());
  });

  it.each([
    ['path traversal', 'sha256:../../../etc/passwd'],
    ['an unknown algorithm', `md5:${'a'.repeat(32)}`],
  ])('rejects a digest with %s before any request', async (_case, bad) => {
    mock = mockRegistry();
    await expect(getBlob(mock.transport, repository(), bad)).rejects.toMatchObject({ code: 'INVALID_DIGEST' });
    await expect(headBlob(mock.transport, repository(), bad)).rejects.toMatchObject({ code: 'INVALID_DIGEST' });
  });

  it('tells a present blob from a missing one', async () => {
    mock = mockRegistry();
    const missing = computeDigest('missing');
    mock.pool.intercept({ path: `/v2/team/app/blobs/${digest}`, method: 'HEAD' }).reply(200, '', { headers: { 'content-length': String(content.length) } }).times(2);
    mock.pool.intercept({ path: `/v2/team/app/blobs/${missing}`, method: 'HEAD' }).reply(404, '').times(2);

    expect(await blobExists(mock.transport, repository(), digest)).toBe(true);
    expect(await blobExists(mock.transport, repository(), missing)).toBe(false);
    expect(await headBlob(mock.transport, repository(), digest)).toEqual({ digest, size: content.length });
    await expect(headBlob(mock.transport, repository(), missing)).rejects.toMatchObject({ name: 'NotFoundError', reference: `${mock.registry}/team/app@${missing}` });
  });
});

describe('blob uploads', () => {
  it('keeps the query of a Location that drops the default port', async () => {
    mock = mockRegistry('registry.example:443');
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', {
      headers: { location: 'https://registry.example/v2/team/app/blobs/uploads/u1?_state=c2lnbmVk%3D%3D' },
    });
    mock.pool
      .intercept({ path: `/v2/team/app/blobs/uploads/u1?_state=c2lnbmVk%3D%3D&digest=${encodeURIComponent(digest)}`, method: 'PUT', body: bodyEquals(content) })
      .reply(201, '', { headers: { 'docker-content-digest': digest } });

    expect(await uploadBlob(mock.transport, repository(), content)).toEqual({ digest, size: content.length });
  });

  it('resolves a relative Location against the registry', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/u2?_state=abc' } });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/u2?_state=abc&digest=${encodeURIComponent(digest)}`, method: 'PUT' }).reply(201, '');

    expect((await uploadBlob(mock.transport, repository(), content, { digest })).digest).toBe(digest);
  });

  it('uploads in one POST where the registry supports it', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path: `/v2/team/app/blobs/uploads/?digest=${encodeURIComponent(digest)}`, method: 'POST', body: bodyEquals(content) })
      .reply(201, '', { headers: { location: `/v2/team/app/blobs/${digest}` } });

    expect(await uploadBlob(mock.transport, repository(), content, { singlePost: true })).toEqual({ digest, size: content.length });
  });

  it('finishes with PUT when the single POST opens a session', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/?digest=${encodeURIComponent(digest)}`, method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/u3' } });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/u3?digest=${encodeURIComponent(digest)}`, method: 'PUT', body: bodyEquals(content) }).reply(201, '');

    expect((await uploadBlob(mock.transport, repository(), content, { singlePost: true })).digest).toBe(digest);
  });

  it('sends chunks with Content-Range and follows each new Location', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/c?_state=0' } });
    const chunks = [content.subarray(0, 16), content.subarray(16, 32), content.subarray(32)];
    let offset = 0;
    chunks.forEach((chunk, index) => {
      const range = `${offset}-${offset + chunk.length - 1}`;
      mock.pool
        .intercept({ path: `/v2/team/app/blobs/uploads/c?_state=${index}`, method: 'PATCH', headers: { 'content-range': range }, body: bodyEquals(chunk) })
        .reply(202, '', { headers: { location: `/v2/team/app/blobs/uploads/c?_state=${index + 1}`, range: `0-${offset + chunk.length - 1}` } });
      offset += chunk.length;
    });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/c?_state=3&digest=${encodeURIComponent(digest)}`, method: 'PUT' }).reply(201, '');

    const stream = Readable.from([content.subarray(0, 10), content.subarray(10)]);
    expect(await uploadBlob(mock.transport, repository(), stream, { chunkSize: 16 })).toEqual({ digest, size: content.length });
  });

  it('sends the rest of a chunk the registry stored in part', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/p?_state=0' } });
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/p?_state=0', method: 'PATCH', headers: { 'content-range': '0-15' } })
      .reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/p?_state=1', range: '0-15' } });
    // The second chunk breaks off after 5 of its 16 bytes were stored.
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/p?_state=1', method: 'PATCH', headers: { 'content-range': '16-31' } })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/p?_state=1', method: 'GET' })
      .reply(204, '', { headers: { location: '/v2/team/app/blobs/uploads/p?_state=2', range: '0-20' } });
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/p?_state=2', method: 'PATCH', headers: { 'content-range': '21-31' }, body: bodyEquals(content.subarray(21, 32)) })
      .reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/p?_state=3', range: '0-31' } });
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/p?_state=3', method: 'PATCH', headers: { 'content-range': `32-${content.length - 1}` } })
      .reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/p?_state=4', range: `0-${content.length - 1}` } });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/p?_state=4&digest=${encodeURIComponent(digest)}`, method: 'PUT' }).reply(201, '');

    expect(await uploadBlob(mock.transport, repository(), Readable.from([content]), { chunkSize: 16 })).toEqual({ digest, size: content.length });
  });

  it('gives up a chunk when data before it was lost', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/q?_state=0' } });
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/q?_state=0', method: 'PATCH' })
      .reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/q?_state=1', range: '0-15' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/q?_state=1', method: 'PATCH' }).reply(500, '');
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/q?_state=1', method: 'GET' })
      .reply(204, '', { headers: { location: '/v2/team/app/blobs/uploads/q?_state=1', range: '0-9' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/q?_state=1', method: 'DELETE' }).reply(204, '');

    const failure = await uploadBlob(mock.transport, repository(), Readable.from([content]), { chunkSize: 16 }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ status: 500, method: 'PATCH' });
  });

  it('respects OCI-Chunk-Min-Length', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/m', 'oci-chunk-min-length': '1024' } });
    mock.pool
      .intercept({ path: '/v2/team/app/blobs/uploads/m', method: 'PATCH', headers: { 'content-range': `0-${content.length - 1}` } })
      .reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/m2' } });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/m2?digest=${encodeURIComponent(digest)}`, method: 'PUT' }).reply(201, '');

    expect((await uploadBlob(mock.transport, repository(), Readable.from([content]), { chunkSize: 8 })).size).toBe(content.length);
  });

  it('rejects a confirmed Range that lost data and cancels the upload', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/r' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/r', method: 'PATCH' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/r2', range: '0-3' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/r2', method: 'DELETE' }).reply(204, '');

    await expect(uploadBlob(mock.transport, repository(), Readable.from([content]))).rejects.toMatchObject({ code: 'UPLOAD_RANGE_MISMATCH' });
  });

  it('rejects streamed content that does not match the given digest before PUT', async () => {
    mock = mockRegistry();
    const expected = computeDigest('other content');
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/x' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/x', method: 'PATCH' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/x2' } });
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/x2', method: 'DELETE' }).reply(404, errorBody('BLOB_UPLOAD_UNKNOWN', 'gone'), { headers: JSON_HEADERS });

    await expect(uploadBlob(mock.transport, repository(), Readable.from([content]), { digest: expected })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', expected, actual: digest });
  });

  it('rejects buffered content that does not match the given digest before any request', async () => {
    mock = mockRegistry();
    await expect(uploadBlob(mock.transport, repository(), content, { digest: computeDigest('x') })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('reports a registry that returns no Location', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '');

    await expect(uploadBlob(mock.transport, repository(), content)).rejects.toMatchObject({ code: 'MISSING_LOCATION' });
  });

  it('surfaces a refused upload as a typed error', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(403, errorBody('DENIED', 'requested access to the resource is denied'), { headers: JSON_HEADERS });

    await expect(uploadBlob(mock.transport, repository(), content)).rejects.toMatchObject({ name: 'AuthenticationError', code: 'DENIED', status: 403 });
  });
});

describe('mountBlob', () => {
  const mountPath = `/v2/team/app/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=team%2Fbase`;

  it('returns mounted on 201', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: mountPath, method: 'POST' }).reply(201, '', { headers: { location: `/v2/team/app/blobs/${digest}` } });

    expect(await mountBlob(mock.transport, repository(), digest, 'team/base')).toEqual({ mounted: true });
  });

  it('continues the upload in the session of a 202', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path: mountPath, method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/s?_state=m' } });
    mock.pool.intercept({ path: `/v2/team/app/blobs/uploads/s?_state=m&digest=${encodeURIComponent(digest)}`, method: 'PUT', body: bodyEquals(content) }).reply(201, '');

    const result = await mountBlob(mock.transport, repository(), digest, 'team/base');
    expect(result.mounted).toBe(false);
    if (!result.mounted) {
      expect(result.session.location).toBe(`${mock.origin}/v2/team/app/blobs/uploads/s?_state=m`);
      expect(await uploadBlob(mock.transport, repository(), content, { session: result.session })).toEqual({ digest, size: content.length });
    }
  });
});
