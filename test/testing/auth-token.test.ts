import { describe, expect, it } from 'vitest';

import type { MemoryRegistry, TokenAuthOptions } from '../../src/testing/index.js';
import { basicAuthorization, errorCodes, header, pushBlob, pushImage, send, startRegistry } from './helpers.js';

const USERS = { ci: 's3cret-pass', reader: 'read-only' };
const SERVICE = 'tagkeeper-memory-registry';

function tokenAuth(extra: Partial<TokenAuthOptions> = {}): TokenAuthOptions {
  return { type: 'token', users: USERS, ...extra };
}

/** Requests a token for `scopes` from the registry's realm, with basic credentials when `user` is given. */
async function fetchToken(registry: MemoryRegistry, scopes: string[], user?: keyof typeof USERS): Promise<string> {
  const query = new URLSearchParams({ service: SERVICE });
  scopes.forEach((scope) => query.append('scope', scope));
  const reply = await send(registry, 'GET', `/token?${query}`, {
    headers: user ? { authorization: basicAuthorization(user, USERS[user]) } : {},
  });
  expect(reply.status).toBe(200);
  return (reply.json as { token: string }).token;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function claimsOf(token: string): { sub: string; aud: string; access: Array<{ type: string; name: string; actions: string[] }>; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('token challenge', () => {
  it.each([
    ['GET', '/v2/', undefined],
    ['GET', '/v2/_catalog', 'registry:catalog:*'],
    ['GET', '/v2/team/app/tags/list', 'repository:team/app:pull'],
    ['HEAD', '/v2/app/manifests/1.0', 'repository:app:pull'],
    ['GET', `/v2/app/blobs/sha256:${'0'.repeat(64)}`, 'repository:app:pull'],
    ['GET', `/v2/app/referrers/sha256:${'0'.repeat(64)}`, 'repository:app:pull'],
    ['PUT', '/v2/app/manifests/1.0', 'repository:app:pull,push'],
    ['POST', '/v2/app/blobs/uploads/', 'repository:app:pull,push'],
    ['GET', '/v2/app/blobs/uploads/some-id', 'repository:app:pull,push'],
    ['DELETE', '/v2/app/manifests/1.0', 'repository:app:delete'],
    ['DELETE', `/v2/app/blobs/sha256:${'0'.repeat(64)}`, 'repository:app:delete'],
  ])('challenges %s %s with the scope it needs', async (method, path, scope) => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const reply = await send(registry, method, path);

    expect(reply.status).toBe(401);
    const challenge = `Bearer realm="${registry.url}/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}`;
    expect(header(reply, 'www-authenticate')).toBe(challenge);
    if (method !== 'HEAD') {
      expect(errorCodes(reply)).toEqual(['UNAUTHORIZED']);
    }
  });

  it('names the configured service', async () => {
    const registry = await startRegistry({ auth: tokenAuth({ service: 'registry.test' }) });

    const reply = await send(registry, 'GET', '/v2/');

    expect(header(reply, 'www-authenticate')).toBe(`Bearer realm="${registry.url}/token",service="registry.test"`);
  });
});

describe('token endpoint', () => {
  it('issues a JWT with the requested access for a user', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const reply = await send(registry, 'GET', `/token?service=${SERVICE}&scope=repository:app:pull,push&scope=repository:base:pull`, {
      headers: { authorization: basicAuthorization('ci', USERS.ci) },
    });

    expect(reply.status).toBe(200);
    const body = reply.json as { token: string; access_token: string; expires_in: number; issued_at: string };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(Date.parse(body.issued_at)).not.toBeNaN();
    expect(body.token.split('.')).toHaveLength(3);
    const claims = claimsOf(body.token);
    expect(claims.sub).toBe('ci');
    expect(claims.aud).toBe(SERVICE);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.access).toEqual([
      { type: 'repository', name: 'app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'base', actions: ['pull'] },
    ]);
  });

  it('splits space-separated scopes and expands *', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const token = await fetchToken(registry, ['repository:app:* registry:catalog:*'], 'ci');

    expect(claimsOf(token).access).toEqual([
      { type: 'repository', name: 'app', actions: ['pull', 'push', 'delete'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it.each([
    ['a wrong password', basicAuthorization('ci', 'nope'), 401],
    ['an unknown user', basicAuthorization('mallory', 'x'), 401],
    ['a bearer header', 'Bearer abc', 400],
  ])('rejects a token request with %s', async (_case, authorization, status) => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const reply = await send(registry, 'GET', `/token?service=${SERVICE}&scope=repository:app:pull`, { headers: { authorization } });

    expect(reply.status).toBe(status);
    expect(reply.text).not.toContain('token"');
  });

  it('rejects a token request for another service', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const reply = await send(registry, 'GET', '/token?service=elsewhere&scope=repository:app:pull');

    expect(reply.status).toBe(400);
    expect(reply.text).toContain('elsewhere');
  });

  it('issues an anonymous token without access unless anonymous pull is on', async () => {
    const closed = await startRegistry({ auth: tokenAuth() });
    const open = await startRegistry({ auth: tokenAuth({ allowAnonymousPull: true }) });

    const closedToken = await fetchToken(closed, ['repository:app:pull,push', 'registry:catalog:*']);
    const openToken = await fetchToken(open, ['repository:app:pull,push', 'registry:catalog:*']);

    expect(claimsOf(closedToken)).toMatchObject({ sub: '', access: [] });
    expect(claimsOf(openToken)).toMatchObject({ sub: '', access: [{ type: 'repository', name: 'app', actions: ['pull'] }] });
  });

  it('grants what the access callback allows', async () => {
    const registry = await startRegistry({
      auth: tokenAuth({
        access: (user, repository, requested) =>
          user === 'reader' ? requested.filter((action) => action === 'pull') : repository.startsWith('ci/') ? requested : [],
      }),
    });

    const reader = claimsOf(await fetchToken(registry, ['repository:ci/app:pull,push,delete'], 'reader'));
    const ci = claimsOf(await fetchToken(registry, ['repository:ci/app:pull,push', 'repository:other:pull'], 'ci'));

    expect(reader.access).toEqual([{ type: 'repository', name: 'ci/app', actions: ['pull'] }]);
    expect(ci.access).toEqual([{ type: 'repository', name: 'ci/app', actions: ['pull', 'push'] }]);
  });

  it('serves the OAuth2 password grant over POST', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'ci',
      password: USERS.ci,
      service: SERVICE,
      scope: 'repository:app:pull,push',
      client_id: 'tagkeeper-test',
    });

    const reply = await send(registry, 'POST', '/token', {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const wrong = await send(registry, 'POST', '/token', {
      body: new URLSearchParams({ grant_type: 'password', username: 'ci', password: 'x' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const refresh = await send(registry, 'POST', '/token', {
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ scope: 'repository:app:pull,push', expires_in: 300 });
    const token = (reply.json as { access_token: string }).access_token;
    expect((await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: bearer(token) })).status).toBe(202);
    expect(wrong.status).toBe(401);
    expect(refresh.status).toBe(400);
  });

  it('issues refresh tokens and rotates them when asked', async () => {
    const registry = await startRegistry({ auth: tokenAuth({ rotateRefreshTokens: true }) });
    const post = (fields: Record<string, string>) =>
      send(registry, 'POST', '/token', {
        body: new URLSearchParams({ service: SERVICE, scope: 'repository:app:pull', ...fields }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

    const online = await post({ grant_type: 'password', username: 'ci', password: USERS.ci });
    const offline = await post({ grant_type: 'password', username: 'ci', password: USERS.ci, access_type: 'offline' });
    const first = (offline.json as { refresh_token: string }).refresh_token;
    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: first });
    const second = (refreshed.json as { refresh_token: string }).refresh_token;
    const reused = await post({ grant_type: 'refresh_token', refresh_token: first });

    expect(online.json).not.toHaveProperty('refresh_token');
    expect(typeof first).toBe('string');
    expect(refreshed.status).toBe(200);
    expect(claimsOf((refreshed.json as { access_token: string }).access_token).sub).toBe('ci');
    expect(second).not.toBe(first);
    expect(reused.status).toBe(400);
  });

  it('keeps a refresh token valid without rotation', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const post = (fields: Record<string, string>) =>
      send(registry, 'POST', '/token', {
        body: new URLSearchParams({ service: SERVICE, ...fields }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const offline = await post({ grant_type: 'password', username: 'ci', password: USERS.ci, access_type: 'offline' });
    const token = (offline.json as { refresh_token: string }).refresh_token;

    const replies = [await post({ grant_type: 'refresh_token', refresh_token: token }), await post({ grant_type: 'refresh_token', refresh_token: token })];

    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expect(replies[0]?.json).not.toHaveProperty('refresh_token');
  });

  it('responds to other methods with 405', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });

    const reply = await send(registry, 'PUT', '/token');

    expect(reply.status).toBe(405);
  });
});

describe('token guard', () => {
  it('serves a push and a pull with a token that covers them', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const token = await fetchToken(registry, ['repository:app:pull,push'], 'ci');

    await pushImage(registry, 'app', '1.0', { headers: bearer(token) });
    const reply = await send(registry, 'GET', '/v2/app/tags/list', { headers: bearer(token) });

    expect(reply.json).toEqual({ name: 'app', tags: ['1.0'] });
  });

  it('serves /v2/ with any valid token, even without access', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const token = await fetchToken(registry, []);

    const reply = await send(registry, 'GET', '/v2/', { headers: bearer(token) });

    expect(reply.status).toBe(200);
  });

  it.each([
    ['a pull token pushing', ['repository:app:pull'], 'POST', '/v2/app/blobs/uploads/', 'repository:app:pull,push'],
    ['a token for another repository', ['repository:other:pull,push'], 'GET', '/v2/app/tags/list', 'repository:app:pull'],
    ['a push token deleting', ['repository:app:pull,push'], 'DELETE', '/v2/app/manifests/1.0', 'repository:app:delete'],
    ['a repository token listing the catalog', ['repository:app:pull'], 'GET', '/v2/_catalog', 'registry:catalog:*'],
  ])('responds to %s with 401 insufficient_scope', async (_case, scopes, method, path, scope) => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const token = await fetchToken(registry, scopes, 'ci');

    const reply = await send(registry, method, path, { headers: bearer(token) });

    expect(reply.status).toBe(401);
    expect(header(reply, 'www-authenticate')).toBe(
      `Bearer realm="${registry.url}/token",service="${SERVICE}",scope="${scope}",error="insufficient_scope"`,
    );
  });

  it('responds to a missing scope with 403 DENIED in denied mode', async () => {
    const registry = await startRegistry({ auth: tokenAuth({ insufficientScope: 'denied', allowAnonymousPull: true }) });
    const token = await fetchToken(registry, ['repository:app:pull,push']);

    const reply = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: bearer(token) });

    expect(reply.status).toBe(403);
    expect(errorCodes(reply)).toEqual(['DENIED']);
    expect(header(reply, 'www-authenticate')).toBeUndefined();
  });

  it('lets an anonymous token pull but not push when anonymous pull is on', async () => {
    const registry = await startRegistry({ auth: tokenAuth({ allowAnonymousPull: true }) });
    const pushToken = await fetchToken(registry, ['repository:app:pull,push'], 'ci');
    await pushImage(registry, 'app', '1.0', { headers: bearer(pushToken) });
    const anonymous = await fetchToken(registry, ['repository:app:pull,push']);

    const pull = await send(registry, 'GET', '/v2/app/tags/list', { headers: bearer(anonymous) });
    const push = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: bearer(anonymous) });

    expect(pull.status).toBe(200);
    expect(push.status).toBe(401);
  });

  it.each([
    ['a token of another registry', 'other'],
    ['a token with a changed payload', 'tampered'],
    ['garbage', 'garbage'],
  ])('responds to %s with 401 invalid_token', async (_case, kind) => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const other = await startRegistry({ auth: tokenAuth() });
    const token = await fetchToken(kind === 'other' ? other : registry, ['repository:app:pull'], 'ci');
    const [head, , signature] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...claimsOf(token), access: [{ type: 'repository', name: 'app', actions: ['pull', 'push'] }] }),
    ).toString('base64url');
    const tokens: Record<string, string> = { other: token, tampered: `${head}.${forgedPayload}.${signature}`, garbage: 'not-a-token' };
    const sent = tokens[kind] ?? token;

    const reply = await send(registry, 'GET', '/v2/app/tags/list', { headers: bearer(sent) });

    expect(reply.status).toBe(401);
    expect(header(reply, 'www-authenticate')).toContain('error="invalid_token"');
  });

  it('rejects a token after it expired', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const registry = await startRegistry({ auth: tokenAuth({ expiresInSeconds: 60 }), clock: () => now });
    const token = await fetchToken(registry, ['repository:app:pull'], 'ci');

    now += 59_000;
    const fresh = await send(registry, 'GET', '/v2/', { headers: bearer(token) });
    now += 1_000;
    const expired = await send(registry, 'GET', '/v2/', { headers: bearer(token) });

    expect(fresh.status).toBe(200);
    expect(expired.status).toBe(401);
    expect(header(expired, 'www-authenticate')).toContain('error="invalid_token"');
  });

  it('issues opaque tokens that are not JWTs but work the same', async () => {
    const registry = await startRegistry({ auth: tokenAuth({ tokenFormat: 'opaque' }) });
    const token = await fetchToken(registry, ['repository:app:pull,push'], 'ci');

    const reply = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: bearer(token) });

    expect(token.split('.')).toHaveLength(2);
    expect(reply.status).toBe(202);
  });

  it('mounts only from a repository the token may pull', async () => {
    const registry = await startRegistry({ auth: tokenAuth() });
    const setup = await fetchToken(registry, ['repository:base:pull,push'], 'ci');
    const digest = await pushBlob(registry, 'base', 'shared layer', bearer(setup));
    const withSource = await fetchToken(registry, ['repository:app:pull,push', 'repository:base:pull'], 'ci');
    const withoutSource = await fetchToken(registry, ['repository:app:pull,push'], 'ci');

    const fallback = await send(registry, 'POST', `/v2/app/blobs/uploads/?mount=${digest}&from=base`, { headers: bearer(withoutSource) });
    const mounted = await send(registry, 'POST', `/v2/app/blobs/uploads/?mount=${digest}&from=base`, { headers: bearer(withSource) });

    expect(fallback.status).toBe(202);
    expect(mounted.status).toBe(201);
  });
});
