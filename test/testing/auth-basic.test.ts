import { describe, expect, it } from 'vitest';

import { basicAuthorization, errorCodes, header, pushImage, send, startRegistry } from './helpers.js';

const USERS = { ci: 's3cret-pass', reader: 'other-pass' };

describe('basic authentication', () => {
  it.each([
    ['no credentials', undefined],
    ['a wrong password', basicAuthorization('ci', 'wrong')],
    ['an unknown user', basicAuthorization('nobody', 's3cret-pass')],
    ['another user’s password', basicAuthorization('reader', 's3cret-pass')],
    ['an empty password', basicAuthorization('ci', '')],
    ['a bearer token', 'Bearer abc.def.ghi'],
    ['malformed base64', 'Basic ***'],
    ['credentials without a colon', `Basic ${Buffer.from('ci').toString('base64')}`],
  ])('responds to %s with 401 and a Basic challenge', async (_case, authorization) => {
    const registry = await startRegistry({ auth: { type: 'basic', users: USERS } });

    const reply = await send(registry, 'GET', '/v2/', { headers: authorization ? { authorization } : {} });

    expect(reply.status).toBe(401);
    expect(header(reply, 'www-authenticate')).toBe('Basic realm="tagkeeper-memory-registry"');
    expect(errorCodes(reply)).toEqual(['UNAUTHORIZED']);
  });

  it.each([
    ['GET', '/v2/'],
    ['GET', '/v2/_catalog'],
    ['GET', '/v2/app/tags/list'],
    ['HEAD', '/v2/app/manifests/1.0'],
    ['POST', '/v2/app/blobs/uploads/'],
    ['DELETE', `/v2/app/blobs/sha256:${'0'.repeat(64)}`],
    ['GET', `/v2/app/referrers/sha256:${'0'.repeat(64)}`],
  ])('guards %s %s', async (method, path) => {
    const registry = await startRegistry({ auth: { type: 'basic', users: USERS } });

    const reply = await send(registry, method, path);

    expect(reply.status).toBe(401);
  });

  it('serves every user with the right password', async () => {
    const registry = await startRegistry({ auth: { type: 'basic', users: USERS } });

    for (const [user, password] of Object.entries(USERS)) {
      const headers = { authorization: basicAuthorization(user, password) };
      await pushImage(registry, `repo-of-${user}`, '1.0', { headers });
      const reply = await send(registry, 'GET', `/v2/repo-of-${user}/tags/list`, { headers });

      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ name: `repo-of-${user}`, tags: ['1.0'] });
    }
  });

  it('accepts a password that contains colons', async () => {
    const registry = await startRegistry({ auth: { type: 'basic', users: { ci: 'a:b:c' } } });

    const reply = await send(registry, 'GET', '/v2/', { headers: { authorization: basicAuthorization('ci', 'a:b:c') } });

    expect(reply.status).toBe(200);
  });
});
