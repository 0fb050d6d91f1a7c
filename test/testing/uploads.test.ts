import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { errorCodes, header, pushBlob, send, sha256, sha512, startRegistry, type Reply } from './helpers.js';

const ZERO_DIGEST = `sha256:${'0'.repeat(64)}`;

/** Starts an upload session and returns the reply with its Location. */
async function startUpload(registry: { url: string }, repository = 'app'): Promise<Reply> {
  const reply = await send(registry, 'POST', `/v2/${repository}/blobs/uploads/`);
  expect(reply.status).toBe(202);
  return reply;
}

function location(reply: Reply): string {
  const value = header(reply, 'location');
  if (!value) {
    throw new Error(`reply ${reply.status} has no Location header: ${reply.text}`);
  }
  return value;
}

describe('blob upload start', () => {
  it('responds to POST with 202, a session Location, its UUID and Range 0-0', async () => {
    const registry = await startRegistry();

    const reply = await startUpload(registry);

    const uuid = header(reply, 'docker-upload-uuid');
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(location(reply)).toMatch(new RegExp(`^${registry.url}/v2/app/blobs/uploads/${uuid}\\?_state=`));
    expect(header(reply, 'range')).toBe('0-0');
    expect(header(reply, 'content-length')).toBe('0');
  });

  it('stores a monolithic POST with digest and responds with 201', async () => {
    const registry = await startRegistry();
    const content = Buffer.from('monolithic blob');

    const reply = await send(registry, 'POST', `/v2/app/blobs/uploads/?digest=${sha256(content)}`, { body: content });

    expect(reply.status).toBe(201);
    expect(header(reply, 'location')).toBe(`${registry.url}/v2/app/blobs/${sha256(content)}`);
    expect(header(reply, 'docker-content-digest')).toBe(sha256(content));
    const fetched = await send(registry, 'GET', `/v2/app/blobs/${sha256(content)}`);
    expect(fetched.body.equals(content)).toBe(true);
  });

  it('stores an empty blob', async () => {
    const registry = await startRegistry();

    const digest = await pushBlob(registry, 'app', Buffer.alloc(0));
    const fetched = await send(registry, 'GET', `/v2/app/blobs/${digest}`);

    expect(fetched.status).toBe(200);
    expect(header(fetched, 'content-length')).toBe('0');
  });

  it.each([
    ['a wrong digest', ZERO_DIGEST, 400, 'DIGEST_INVALID'],
    ['a malformed digest', 'sha256:1234', 400, 'DIGEST_INVALID'],
    ['an unknown algorithm', `sha384:${'0'.repeat(96)}`, 400, 'DIGEST_INVALID'],
  ])('rejects a monolithic POST with %s', async (_case, digest, status, code) => {
    const registry = await startRegistry();

    const reply = await send(registry, 'POST', `/v2/app/blobs/uploads/?digest=${digest}`, { body: 'content' });

    expect(reply.status).toBe(status);
    expect(errorCodes(reply)).toEqual([code]);
    expect(registry.repositories()).toEqual([]);
  });

  it('verifies a monolithic POST against a sha512 digest', async () => {
    const registry = await startRegistry();
    const content = 'sha512 content';

    const reply = await send(registry, 'POST', `/v2/app/blobs/uploads/?digest=${sha512(content)}`, { body: content });
    const fetched = await send(registry, 'HEAD', `/v2/app/blobs/${sha512(content)}`);

    expect(reply.status).toBe(201);
    expect(fetched.status).toBe(200);
    expect(header(fetched, 'content-length')).toBe(String(content.length));
  });
});

describe('chunked blob upload', () => {
  it('assembles PATCH chunks with Content-Range and completes with PUT', async () => {
    const registry = await startRegistry();
    const content = randomBytes(3000);
    const chunks = [content.subarray(0, 1000), content.subarray(1000, 2500), content.subarray(2500)];
    let reply = await startUpload(registry);

    let offset = 0;
    for (const chunk of chunks) {
      reply = await send(registry, 'PATCH', location(reply), {
        body: chunk,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
      });
      offset += chunk.length;
      expect(reply.status).toBe(202);
      expect(header(reply, 'range')).toBe(`0-${offset - 1}`);
    }
    const done = await send(registry, 'PUT', `${location(reply)}&digest=${sha256(content)}`);

    expect(done.status).toBe(201);
    expect(header(done, 'docker-content-digest')).toBe(sha256(content));
    const fetched = await send(registry, 'GET', `/v2/app/blobs/${sha256(content)}`);
    expect(fetched.body.equals(content)).toBe(true);
  });

  it('appends streamed PATCH bodies without Content-Range', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);

    reply = await send(registry, 'PATCH', location(reply), { body: 'hello ' });
    reply = await send(registry, 'PATCH', location(reply), { body: 'world' });
    const done = await send(registry, 'PUT', `${location(reply)}&digest=${sha256('hello world')}`);

    expect(done.status).toBe(201);
  });

  it('takes a final chunk in the PUT body', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);
    reply = await send(registry, 'PATCH', location(reply), { body: 'first ', headers: { 'content-range': '0-5' } });

    const done = await send(registry, 'PUT', `${location(reply)}&digest=${sha256('first last')}`, {
      body: 'last',
      headers: { 'content-range': '6-9' },
    });

    expect(done.status).toBe(201);
    expect((await send(registry, 'GET', `/v2/app/blobs/${sha256('first last')}`)).text).toBe('first last');
  });

  it('completes with a single PUT after POST', async () => {
    const registry = await startRegistry();
    const reply = await startUpload(registry);

    const done = await send(registry, 'PUT', `${location(reply)}&digest=${sha256('whole')}`, { body: 'whole' });

    expect(done.status).toBe(201);
  });

  it('responds to an out-of-order chunk with 416 and the current Range', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);
    reply = await send(registry, 'PATCH', location(reply), { body: 'abc', headers: { 'content-range': '0-2' } });

    const skipped = await send(registry, 'PATCH', location(reply), { body: 'xyz', headers: { 'content-range': '5-7' } });
    const repeated = await send(registry, 'PATCH', location(reply), { body: 'abc', headers: { 'content-range': '0-2' } });

    for (const rejected of [skipped, repeated]) {
      expect(rejected.status).toBe(416);
      expect(errorCodes(rejected)).toEqual(['BLOB_UPLOAD_INVALID']);
      expect(header(rejected, 'range')).toBe('0-2');
      expect(header(rejected, 'location')).toBe(location(reply));
    }
    const resumed = await send(registry, 'PATCH', location(reply), { body: 'def', headers: { 'content-range': '3-5' } });
    expect(resumed.status).toBe(202);
  });

  it.each([
    ['a length that differs from the range', '0-9', 'short', 400, 'SIZE_INVALID'],
    ['an end before the start', '5-1', 'x', 400, 'BLOB_UPLOAD_INVALID'],
    ['a range that is no range', 'bytes=a-b', 'x', 400, 'BLOB_UPLOAD_INVALID'],
  ])('rejects a chunk with %s', async (_case, contentRange, body, status, code) => {
    const registry = await startRegistry();
    const reply = await startUpload(registry);

    const rejected = await send(registry, 'PATCH', location(reply), { body, headers: { 'content-range': contentRange } });

    expect(rejected.status).toBe(status);
    expect(errorCodes(rejected)).toEqual([code]);
    const status204 = await send(registry, 'GET', location(reply));
    expect(header(status204, 'range')).toBe('0-0');
  });

  it.each([
    ['0-4', true],
    ['bytes 0-4/5', true],
    ['bytes=0-4', true],
    ['0-4/*', true],
  ])('accepts the Content-Range form %s', async (contentRange, accepted) => {
    const registry = await startRegistry();
    const reply = await startUpload(registry);

    const patched = await send(registry, 'PATCH', location(reply), { body: 'abcde', headers: { 'content-range': contentRange } });

    expect(patched.status === 202).toBe(accepted);
  });

  it('rejects a Location from before the last PATCH as BLOB_UPLOAD_INVALID', async () => {
    const registry = await startRegistry();
    const started = await startUpload(registry);
    await send(registry, 'PATCH', location(started), { body: 'abc' });

    const stale = await send(registry, 'PATCH', location(started), { body: 'def' });

    expect(stale.status).toBe(404);
    expect(errorCodes(stale)).toEqual(['BLOB_UPLOAD_INVALID']);
    expect(stale.text).toContain('out of date');
  });

  it.each([
    ['no _state', (url: string) => url.split('?')[0] ?? url],
    ['a forged _state', (url: string) => url.replace(/_state=[^&]+/, '_state=0.AAAA')],
  ])('rejects an upload URL with %s as BLOB_UPLOAD_INVALID', async (_case, change) => {
    const registry = await startRegistry();
    const started = await startUpload(registry);

    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
      const url = change(location(started));
      const separator = url.includes('?') ? '&' : '?';
      const reply = await send(registry, method, method === 'PUT' ? `${url}${separator}digest=${ZERO_DIGEST}` : url);
      expect(reply.status, method).toBe(404);
      expect(errorCodes(reply), method).toEqual(['BLOB_UPLOAD_INVALID']);
    }
  });

  it('rejects a session URL used under another repository as unknown', async () => {
    const registry = await startRegistry();
    const started = await startUpload(registry, 'app');

    const reply = await send(registry, 'GET', location(started).replace('/v2/app/', '/v2/other/'));

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('ends the session when the final digest does not match', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);
    reply = await send(registry, 'PATCH', location(reply), { body: 'content' });

    const mismatch = await send(registry, 'PUT', `${location(reply)}&digest=${ZERO_DIGEST}`);
    const after = await send(registry, 'GET', location(reply));

    expect(mismatch.status).toBe(400);
    expect(errorCodes(mismatch)).toEqual(['DIGEST_INVALID']);
    expect(mismatch.text).toContain(sha256('content'));
    expect(after.status).toBe(404);
    expect(errorCodes(after)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it.each([
    ['missing', ''],
    ['malformed', '&digest=sha256:zz'],
  ])('responds to a PUT with a %s digest with DIGEST_INVALID and keeps the session', async (_case, query) => {
    const registry = await startRegistry();
    const started = await startUpload(registry);

    const reply = await send(registry, 'PUT', `${location(started)}${query}`);

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['DIGEST_INVALID']);
    expect((await send(registry, 'GET', location(started))).status).toBe(204);
  });

  it('reports the status with GET and cancels with DELETE', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);
    reply = await send(registry, 'PATCH', location(reply), { body: '12345' });

    const status = await send(registry, 'GET', location(reply));
    const cancelled = await send(registry, 'DELETE', location(reply));
    const again = await send(registry, 'DELETE', location(reply));

    expect(status.status).toBe(204);
    expect(header(status, 'range')).toBe('0-4');
    expect(header(status, 'docker-upload-uuid')).toBe(header(reply, 'docker-upload-uuid'));
    expect(cancelled.status).toBe(204);
    expect(again.status).toBe(404);
    expect(errorCodes(again)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
    expect(registry.repositories()).toEqual([]);
  });

  it('builds Location from the Host the client used', async () => {
    const registry = await startRegistry();
    const port = registry.host.split(':')[1];

    const reply = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: { host: `localhost:${port}` } });

    expect(location(reply)).toMatch(new RegExp(`^http://localhost:${port}/v2/app/blobs/uploads/`));
  });
});

describe('cross-repository mount', () => {
  it('links a blob from another repository and responds with 201', async () => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'base', 'shared layer');

    const reply = await send(registry, 'POST', `/v2/app/blobs/uploads/?mount=${digest}&from=base`);

    expect(reply.status).toBe(201);
    expect(header(reply, 'location')).toBe(`${registry.url}/v2/app/blobs/${digest}`);
    expect(header(reply, 'docker-content-digest')).toBe(digest);
    expect((await send(registry, 'GET', `/v2/app/blobs/${digest}`)).text).toBe('shared layer');
  });

  it.each([
    ['a blob the source lacks', () => `mount=${sha256('other')}&from=base`],
    ['an unknown source', (digest: string) => `mount=${digest}&from=nowhere`],
    ['an invalid source name', (digest: string) => `mount=${digest}&from=Base`],
    ['no source', (digest: string) => `mount=${digest}`],
  ])('falls back to an upload session for %s', async (_case, query) => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'base', 'shared layer');

    const reply = await send(registry, 'POST', `/v2/app/blobs/uploads/?${query(digest)}`);

    expect(reply.status).toBe(202);
    expect(location(reply)).toContain('/v2/app/blobs/uploads/');
    expect((await send(registry, 'HEAD', `/v2/app/blobs/${digest}`)).status).toBe(404);
  });

  it('rejects a mount with a malformed digest', async () => {
    const registry = await startRegistry();

    const reply = await send(registry, 'POST', '/v2/app/blobs/uploads/?mount=sha256:12&from=base');

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['DIGEST_INVALID']);
  });
});

describe('blob GET, HEAD and DELETE', () => {
  it('serves a blob with the headers of Distribution', async () => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'app', 'blob content');

    for (const method of ['GET', 'HEAD']) {
      const reply = await send(registry, method, `/v2/app/blobs/${digest}`);

      expect(reply.status).toBe(200);
      expect(reply.text).toBe(method === 'GET' ? 'blob content' : '');
      expect(header(reply, 'content-length')).toBe('12');
      expect(header(reply, 'content-type')).toBe('application/octet-stream');
      expect(header(reply, 'docker-content-digest')).toBe(digest);
      expect(header(reply, 'etag')).toBe(`"${digest}"`);
      expect(header(reply, 'accept-ranges')).toBe('bytes');
    }
  });

  it('serves a blob only in repositories it was linked to', async () => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'app', 'blob content');

    const reply = await send(registry, 'GET', `/v2/other/blobs/${digest}`);

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['BLOB_UNKNOWN']);
    expect(reply.json).toMatchObject({ errors: [{ detail: { digest } }] });
  });

  it.each([
    ['bytes=0-4', 206, '01234', 'bytes 0-4/10'],
    ['bytes=5-', 206, '56789', 'bytes 5-9/10'],
    ['bytes=-3', 206, '789', 'bytes 7-9/10'],
    ['bytes=8-100', 206, '89', 'bytes 8-9/10'],
    ['bytes=10-', 416, 'invalid range: failed to overlap', 'bytes */10'],
    ['bytes=0-1,4-5', 200, '0123456789', undefined],
    ['items=0-1', 200, '0123456789', undefined],
    ['bytes=5-2', 200, '0123456789', undefined],
  ])('responds to Range %s with %i', async (range, status, body, contentRange) => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'app', '0123456789');

    const reply = await send(registry, 'GET', `/v2/app/blobs/${digest}`, { headers: { range } });

    expect(reply.status).toBe(status);
    expect(reply.text).toBe(body);
    expect(header(reply, 'content-range')).toBe(contentRange);
  });

  it('serves a range across upload chunks', async () => {
    const registry = await startRegistry();
    let reply = await startUpload(registry);
    for (const chunk of ['abc', 'def', 'ghi']) {
      reply = await send(registry, 'PATCH', location(reply), { body: chunk });
    }
    await send(registry, 'PUT', `${location(reply)}&digest=${sha256('abcdefghi')}`);

    const ranged = await send(registry, 'GET', `/v2/app/blobs/${sha256('abcdefghi')}`, { headers: { range: 'bytes=2-6' } });

    expect(ranged.text).toBe('cdefg');
  });

  it('deletes a blob from one repository only', async () => {
    const registry = await startRegistry();
    const digest = await pushBlob(registry, 'app', 'shared');
    await pushBlob(registry, 'other', 'shared');

    const deleted = await send(registry, 'DELETE', `/v2/app/blobs/${digest}`);
    const again = await send(registry, 'DELETE', `/v2/app/blobs/${digest}`);

    expect(deleted.status).toBe(202);
    expect(again.status).toBe(404);
    expect(errorCodes(again)).toEqual(['BLOB_UNKNOWN']);
    expect((await send(registry, 'GET', `/v2/other/blobs/${digest}`)).text).toBe('shared');
  });

  it('responds to a blob DELETE with 405 when deletes are disabled', async () => {
    const registry = await startRegistry({ deleteEnabled: false });
    const digest = await pushBlob(registry, 'app', 'kept');

    const reply = await send(registry, 'DELETE', `/v2/app/blobs/${digest}`);

    expect(reply.status).toBe(405);
    expect(errorCodes(reply)).toEqual(['UNSUPPORTED']);
  });

  it.each([
    ['too short', 'sha256:abc'],
    ['upper-case hex', `sha256:${'F'.repeat(64)}`],
    ['no algorithm', '0'.repeat(64)],
    ['sha512 of sha256 length', `sha512:${'0'.repeat(64)}`],
  ])('rejects a blob digest that is %s before any lookup', async (_case, digest) => {
    const registry = await startRegistry();

    const reply = await send(registry, 'GET', `/v2/app/blobs/${digest}`);

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['DIGEST_INVALID']);
  });
});
