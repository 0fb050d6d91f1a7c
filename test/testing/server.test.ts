import { describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { MemoryRegistryOptionError, startMemoryRegistry, type MemoryRegistryOptions } from '../../src/testing/index.js';
import { errorCodes, header, pushImage, send, startRegistry } from './helpers.js';

describe('startMemoryRegistry', () => {
  it('serves /v2/ with the API version header', async () => {
    const registry = await startRegistry();

    const reply = await send(registry, 'GET', '/v2/');

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({});
    expect(header(reply, 'docker-distribution-api-version')).toBe('registry/2.0');
    expect(header(reply, 'content-type')).toBe('application/json; charset=utf-8');
  });

  it('reports host and url of the listening port', async () => {
    const registry = await startRegistry();

    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.url).toBe(`http://${registry.host}`);
    expect((await send(registry, 'GET', '/v2')).status).toBe(200);
  });

  it('listens on ::1 with a bracketed host', async () => {
    const registry = await startRegistry({ host: '::1' });

    expect(registry.host).toMatch(/^\[::1\]:\d+$/);
    expect((await send(registry, 'GET', '/v2/')).status).toBe(200);
  });

  it.each([
    ['0.0.0.0', 'host'],
    ['192.168.1.10', 'host'],
    ['169.254.169.254', 'host'],
    ['::', 'host'],
    ['localhost', 'host'],
    ['example.com', 'host'],
  ])('rejects the non-loopback host %s before listening', async (host, option) => {
    const error = await startMemoryRegistry({ host }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MemoryRegistryOptionError);
    expect(isTagkeeperError(error)).toBe(true);
    expect((error as MemoryRegistryOptionError).option).toBe(option);
    expect((error as Error).message).toContain(host);
    expect((error as MemoryRegistryOptionError).code).toBe('INVALID_ARGUMENT');
  });

  it.each<[string, MemoryRegistryOptions, string]>([
    ['a negative port', { port: -1 }, 'port'],
    ['a port above 65535', { port: 70000 }, 'port'],
    ['a zero page size', { pageSize: 0 }, 'pageSize'],
    ['a page size above the maximum', { pageSize: 50, maxPageSize: 10 }, 'pageSize'],
    ['a user name with a colon', { auth: { type: 'basic', users: { 'a:b': 'pw' } } }, 'auth.users.a:b'],
    ['a token lifetime of zero', { auth: { type: 'token', users: {}, expiresInSeconds: 0 } }, 'auth.expiresInSeconds'],
    ['a service with a quote', { auth: { type: 'token', users: {}, service: 'a"b' } }, 'auth.service'],
    ['an unknown negotiation mode', { acceptNegotiation: 'loose' as 'none' }, 'acceptNegotiation'],
    ['a fault hook that is no function', { faults: 'yes' as unknown as undefined }, 'faults'],
  ])('rejects %s', async (_case, options, option) => {
    const error = await startMemoryRegistry(options).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MemoryRegistryOptionError);
    expect((error as MemoryRegistryOptionError).option).toBe(option);
  });

  it('fails when the port is taken', async () => {
    const first = await startRegistry();
    const port = Number(first.host.split(':')[1]);

    await expect(startMemoryRegistry({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('stops serving after close, and close twice is fine', async () => {
    const registry = await startMemoryRegistry();
    await pushImage(registry, 'app', '1.0');

    await registry.close();
    await registry.close();

    await expect(send(registry, 'GET', '/v2/')).rejects.toThrow();
    expect(registry.repositories()).toEqual([]);
  });

  it('closes while a client keeps its connection open', async () => {
    const registry = await startMemoryRegistry();
    await send(registry, 'GET', '/v2/');

    // undici keeps the connection alive; close must not wait for it.
    await registry.close();

    expect(registry.url).toMatch(/^http:/);
  });

  it.each([
    ['an unknown path', 'GET', '/v3/'],
    ['a path outside /v2/', 'GET', '/'],
    ['a malformed escape', 'GET', '/v2/app/manifests/%E0%A4%A'],
    ['/token without token auth', 'GET', '/token'],
    ['a repository without an endpoint', 'GET', '/v2/app'],
  ])('responds to %s with a plain 404', async (_case, method, path) => {
    const registry = await startRegistry();

    const reply = await send(registry, method, path);

    expect(reply.status).toBe(404);
    expect(reply.text).toBe('404 page not found\n');
  });

  it.each([
    ['upper case', '/v2/App/tags/list'],
    ['a leading separator', '/v2/-app/tags/list'],
    ['a trailing slash component', '/v2/app//x/tags/list'],
    ['three underscores', '/v2/a___b/manifests/latest'],
    ['256 characters', `/v2/${'a'.repeat(256)}/blobs/sha256:${'0'.repeat(64)}`],
    ['a space', '/v2/my%20app/blobs/uploads/'],
  ])('rejects a repository name with %s as NAME_INVALID', async (_case, path) => {
    const registry = await startRegistry();

    const reply = await send(registry, path.endsWith('uploads/') ? 'POST' : 'GET', path);

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['NAME_INVALID']);
  });

  it.each([
    ['a nested name', 'team/sub-team/app.v2'],
    ['double underscores', 'a__b'],
    ['several dashes', 'a---b'],
    ['255 characters', 'a'.repeat(255)],
  ])('accepts a repository name with %s', async (_case, name) => {
    const registry = await startRegistry();

    const reply = await send(registry, 'GET', `/v2/${name}/tags/list`);

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['NAME_UNKNOWN']);
  });

  it.each([
    ['POST', '/v2/'],
    ['PATCH', '/v2/app/manifests/latest'],
    ['PUT', `/v2/app/blobs/sha256:${'0'.repeat(64)}`],
    ['DELETE', '/v2/app/tags/list'],
    ['PUT', '/v2/_catalog'],
  ])('responds to %s %s with 405 UNSUPPORTED', async (method, path) => {
    const registry = await startRegistry();

    const reply = await send(registry, method, path);

    expect(reply.status).toBe(405);
    expect(errorCodes(reply)).toEqual(['UNSUPPORTED']);
    expect(header(reply, 'allow')).toBeTruthy();
  });

  it('records method, path, query and status of each request', async () => {
    const registry = await startRegistry();
    await send(registry, 'GET', '/v2/');
    await send(registry, 'GET', '/v2/app/tags/list?n=5');

    expect(registry.requests).toEqual([
      { method: 'GET', path: '/v2/', query: '', status: 200 },
      { method: 'GET', path: '/v2/app/tags/list', query: 'n=5', status: 404 },
    ]);

    registry.resetRequests();
    await send(registry, 'HEAD', '/v2/');
    expect(registry.requests).toEqual([{ method: 'HEAD', path: '/v2/', query: '', status: 200 }]);
  });

  it('logs start, each request and stop without secrets', async () => {
    const lines: string[] = [];
    const registry = await startMemoryRegistry({ log: (line) => lines.push(line), auth: { type: 'basic', users: { ci: 'p4ss-w0rd' } } });
    const authorization = `Basic ${Buffer.from('ci:p4ss-w0rd').toString('base64')}`;
    const upload = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: { authorization } });
    await send(registry, 'GET', header(upload, 'location') ?? '', { headers: { authorization } });
    await registry.close();

    expect(lines[0]).toBe(`memory registry listening on ${registry.url} with basic authentication`);
    expect(lines[1]).toMatch(/^POST \/v2\/app\/blobs\/uploads\/ 202 \d+ms user=ci$/);
    expect(lines[2]).toMatch(/^GET \/v2\/app\/blobs\/uploads\/[0-9a-f-]+\?_state=REDACTED 204 \d+ms user=ci$/);
    expect(lines[3]).toBe(`memory registry on ${registry.url} stopped`);
    const all = lines.join('\n');
    expect(all).not.toContain('p4ss-w0rd');
    expect(all).not.toContain(Buffer.from('ci:p4ss-w0rd').toString('base64'));
  });
});
