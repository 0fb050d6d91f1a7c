import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';

import type { FaultAction, FaultRequest } from '../../src/testing/index.js';
import { errorCodes, header, pushBlob, send, startRegistry } from './helpers.js';

describe('fault hook', () => {
  it.each<[string, FaultAction, number, string | undefined, unknown]>([
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '2' } }, 429, '2', { errors: [{ code: 'TOOMANYREQUESTS' }] }],
    ['503 without a body', { status: 503 }, 503, undefined, { errors: [{ code: 'UNKNOWN', message: 'fault injected: HTTP 503' }] }],
    ['a JSON body', { status: 500, body: { errors: [{ code: 'UNKNOWN', message: 'disk full' }] } }, 500, undefined, { errors: [{ message: 'disk full' }] }],
    ['a text body', { status: 502, body: '<html>bad gateway</html>' }, 502, undefined, undefined],
  ])('responds with %s instead of handling the request', async (_case, action, status, retryAfter, body) => {
    const registry = await startRegistry({ faults: () => action });

    const reply = await send(registry, 'GET', '/v2/');

    expect(reply.status).toBe(status);
    expect(header(reply, 'retry-after')).toBe(retryAfter);
    if (body === undefined) {
      expect(reply.text).toBe('<html>bad gateway</html>');
    } else {
      expect(reply.json).toMatchObject(body as object);
    }
  });

  it('passes method, path, query, headers and the request index', async () => {
    const seen: FaultRequest[] = [];
    const registry = await startRegistry({
      faults: (request) => {
        seen.push(request);
        return undefined;
      },
    });

    await send(registry, 'GET', '/v2/');
    await send(registry, 'GET', '/v2/app/tags/list?n=2', { headers: { 'x-test': 'yes' } });

    expect(seen.map((request) => [request.method, request.path, request.query.get('n'), request.index])).toEqual([
      ['GET', '/v2/', null, 0],
      ['GET', '/v2/app/tags/list', '2', 1],
    ]);
    expect(seen[1]?.headers['x-test']).toBe('yes');
  });

  it('fails only the requests the hook picks', async () => {
    let failed = false;
    const registry = await startRegistry({
      faults: (request) => {
        if (request.method === 'POST' && !failed) {
          failed = true;
          return { status: 503 };
        }
        return undefined;
      },
    });

    const first = await send(registry, 'POST', `/v2/app/blobs/uploads/`);
    const second = await send(registry, 'POST', `/v2/app/blobs/uploads/`);

    expect(first.status).toBe(503);
    expect(second.status).toBe(202);
    expect(registry.requests.map((request) => request.status)).toEqual([503, 202]);
  });

  it('injects faults into the token endpoint too', async () => {
    const registry = await startRegistry({
      auth: { type: 'token', users: { ci: 'pw' } },
      faults: (request) => (request.path === '/token' ? { status: 500 } : undefined),
    });

    const reply = await send(registry, 'GET', '/token?service=tagkeeper-memory-registry');

    expect(reply.status).toBe(500);
    expect(errorCodes(reply)).toEqual(['UNKNOWN']);
  });

  it('resets the connection without a response', async () => {
    const registry = await startRegistry({ faults: (request) => (request.index === 0 ? { reset: true } : undefined) });

    const error = await send(registry, 'GET', '/v2/').catch((caught: unknown) => caught);
    const after = await send(registry, 'GET', '/v2/');

    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
    expect(after.status).toBe(200);
    expect(registry.requests.map((request) => request.status)).toEqual([0, 200]);
  });

  it('truncates a blob body after the given bytes', async () => {
    const registry = await startRegistry({
      faults: (request) => (request.method === 'GET' && request.path.includes('/blobs/') ? { truncateBodyAfter: 4 } : undefined),
    });
    const digest = await pushBlob(registry, 'app', '0123456789');

    const error = await send(registry, 'GET', `/v2/app/blobs/${digest}`).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(registry.requests.at(-1)).toMatchObject({ method: 'GET', status: 200 });
  });

  it('delays the response by at least delayMs', async () => {
    const registry = await startRegistry({ faults: () => ({ delayMs: 120 }) });

    const started = performance.now();
    const reply = await send(registry, 'GET', '/v2/');
    const elapsed = performance.now() - started;

    expect(reply.status).toBe(200);
    // Only a lower bound, with slack because Node timers may fire a millisecond early.
    expect(elapsed).toBeGreaterThanOrEqual(115);
  });

  it('accepts an async hook', async () => {
    const registry = await startRegistry({ faults: async () => ({ status: 429 }) });

    const reply = await send(registry, 'GET', '/v2/');

    expect(reply.status).toBe(429);
  });

  it('responds to a throwing hook with 500 and logs the error', async () => {
    const lines: string[] = [];
    const registry = await startRegistry({
      log: (line) => lines.push(line),
      faults: () => {
        throw new Error('hook exploded');
      },
    });

    const reply = await send(registry, 'GET', '/v2/');

    expect(reply.status).toBe(500);
    expect(errorCodes(reply)).toEqual(['UNKNOWN']);
    expect(lines.some((line) => line.includes('internal error on GET /v2/: hook exploded'))).toBe(true);
  });
});
