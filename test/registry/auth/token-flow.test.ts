import { Readable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { InvalidChallengeError } from '../../../src/registry/auth/challenge.js';
import { AuthenticationError } from '../../../src/registry/errors.js';
import { errorFromResponse } from '../../../src/registry/transport/index.js';
import {
  authorizationOf,
  basicAuthorization,
  bearerChallenge,
  mockTransport,
  queryValues,
  staticCredentials,
} from '../transport/mock-transport.js';
import type { MockedTransport } from '../transport/mock-transport.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

/** Reply body of a token server. */
function tokenBody(fields: Record<string, unknown>): string {
  return JSON.stringify(fields);
}

describe('bearer token flow', () => {
  it('fetches a Docker Hub token for a library/ repository', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'docker.io': { username: 'hubuser', password: 'hub-pass' } }) });
    const hub = mocked.agent.get('https://registry-1.docker.io');
    const auth = mocked.agent.get('https://auth.docker.io');
    const challenge = bearerChallenge('https://auth.docker.io/token', 'registry.docker.io', 'repository:library/alpine:pull');
    hub.intercept({ path: '/v2/library/alpine/manifests/3.19', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': challenge } });
    auth
      .intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' })
      .reply(200, tokenBody({ token: 'hub-token', access_token: 'hub-token', expires_in: 300, issued_at: '2024-01-01T00:00:00Z' }), { headers: JSON_HEADERS });
    hub.intercept({ path: '/v2/library/alpine/manifests/3.19', method: 'GET' }).reply(200, '{}', { headers: JSON_HEADERS });

    const response = await mocked.transport.request('docker.io', {
      method: 'GET',
      url: '/v2/library/alpine/manifests/3.19',
      scopes: [{ repository: 'library/alpine', actions: ['pull'] }],
    });
    await response.body.text();

    const [first, token, second] = mocked.calls();
    expect(response.status).toBe(200);
    expect(authorizationOf(first!)).toBeUndefined();
    expect(token!.origin).toBe('https://auth.docker.io');
    expect(queryValues(token!.fullUrl, 'service')).toEqual(['registry.docker.io']);
    expect(queryValues(token!.fullUrl, 'scope')).toEqual(['repository:library/alpine:pull']);
    expect(authorizationOf(token!)).toBe(basicAuthorization('hubuser', 'hub-pass'));
    expect(authorizationOf(second!)).toBe('Bearer hub-token');
  });

  it('fetches an anonymous GHCR token', async () => {
    mocked = mockTransport();
    const ghcr = mocked.agent.get('https://ghcr.io');
    const challenge = bearerChallenge('https://ghcr.io/token', 'ghcr.io', 'repository:org/app:pull');
    ghcr.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
      headers: { 'www-authenticate': challenge },
    });
    ghcr.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'djE6b3JnL2FwcDox' }));
    ghcr.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{"name":"org/app","tags":["1"]}');

    const response = await mocked.transport.request('ghcr.io', {
      method: 'GET',
      url: '/v2/org/app/tags/list',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    await response.body.text();

    const token = mocked.calls()[1]!;
    expect(response.status).toBe(200);
    expect(authorizationOf(token)).toBeUndefined();
    expect(queryValues(token.fullUrl, 'scope')).toEqual(['repository:org/app:pull']);
    expect(authorizationOf(mocked.calls()[2]!)).toBe('Bearer djE6b3JnL2FwcDox');
  });

  it('asks for a scope whose action list holds a comma as one scope', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { username: 'u', password: 'p4ss' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = bearerChallenge('https://registry.example.com/auth', 'registry.example.com', 'repository:org/app:pull,push');
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(401, '', { headers: { 'www-authenticate': challenge } });
    registry.intercept({ path: (path) => path.startsWith('/auth?'), method: 'GET' }).reply(200, tokenBody({ token: 'push-token' }));
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(201, '');

    const response = await mocked.transport.request('registry.example.com', {
      method: 'PUT',
      url: '/v2/org/app/manifests/1',
      body: '{"schemaVersion":2}',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
    });
    await response.body.text();

    expect(response.status).toBe(201);
    expect(queryValues(mocked.calls()[1]!.fullUrl, 'scope')).toEqual(['repository:org/app:pull,push']);
  });

  it('answers a 401 on HEAD, which has no body', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = bearerChallenge('https://registry.example.com/token', 'registry.example.com');
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'HEAD' }).reply(401, '', { headers: { 'www-authenticate': challenge } });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'head-token' }));
    registry
      .intercept({ path: '/v2/org/app/manifests/1', method: 'HEAD' })
      .reply(200, '', { headers: { 'docker-content-digest': 'sha256:abc' } });

    const response = await mocked.transport.request('registry.example.com', {
      method: 'HEAD',
      url: '/v2/org/app/manifests/1',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(response.headers['docker-content-digest']).toBe('sha256:abc');
    expect(authorizationOf(mocked.calls()[2]!)).toBe('Bearer head-token');
  });

  it('accepts a reply with only access_token', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/oauth2/token', 'svc') },
    });
    registry
      .intercept({ path: (path) => path.startsWith('/oauth2/token?'), method: 'GET' })
      .reply(200, tokenBody({ access_token: 'oauth-token', token_type: 'Bearer', expires_in: 600 }));
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(authorizationOf(mocked.calls()[2]!)).toBe('Bearer oauth-token');
  });

  it('uses a token that lives under 60 s, then fetches a new one', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'short-1', expires_in: 1 }));
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}').times(2);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'short-2', expires_in: 1 }));
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');
    const request = { method: 'GET' as const, url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull' as const] }] };

    await (await mocked.transport.request('registry.example.com', request)).body.text();
    await (await mocked.transport.request('registry.example.com', request)).body.text();
    // A 1 s token is replaced after three quarters of its lifetime.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await (await mocked.transport.request('registry.example.com', request)).body.text();

    const registryCalls = mocked.calls().filter((call) => call.path === '/v2/org/app/tags/list');
    expect(registryCalls.map(authorizationOf)).toEqual([undefined, 'Bearer short-1', 'Bearer short-1', 'Bearer short-2']);
  });

  it('makes one token request for many requests with the same scope', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: (path) => path.startsWith('/v2/org/app/blobs/'), method: 'HEAD' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    }).times(5);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'shared' }));
    registry.intercept({ path: (path) => path.startsWith('/v2/org/app/blobs/'), method: 'HEAD' }).reply(200, '').times(15);
    const head = (index: number) =>
      mocked!.transport
        .request('registry.example.com', {
          method: 'HEAD',
          url: `/v2/org/app/blobs/sha256:${String(index).padStart(64, '0')}`,
          scopes: [{ repository: 'org/app', actions: ['pull'] }],
        })
        .then((response) => response.body.text());

    // Five at once, before any token exists, then ten more one by one.
    await Promise.all([0, 1, 2, 3, 4].map(head));
    for (let index = 5; index < 15; index += 1) {
      await head(index);
    }

    const tokenCalls = mocked.calls().filter((call) => call.path === '/token');
    expect(tokenCalls).toHaveLength(1);
    expect(mocked.calls()).toHaveLength(5 + 1 + 15);
  });

  it('serves a pull after a push from the push token', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/blobs/uploads/', method: 'POST' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'push-pull' }));
    registry.intercept({ path: '/v2/org/app/blobs/uploads/', method: 'POST' }).reply(202, '');
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'HEAD' }).reply(404, '');

    await (
      await mocked.transport.request('registry.example.com', {
        method: 'POST',
        url: '/v2/org/app/blobs/uploads/',
        scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
      })
    ).body.text();
    const head = await mocked.transport.request('registry.example.com', {
      method: 'HEAD',
      url: '/v2/org/app/manifests/1',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    await head.body.text();

    expect(head.status).toBe(404);
    expect(authorizationOf(mocked.calls()[3]!)).toBe('Bearer push-pull');
  });

  it('requests both scopes of a mount', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const mountPath = '/v2/team/app/blobs/uploads/?mount=sha256:aaa&from=base/os';
    registry.intercept({ path: (path) => path.startsWith('/v2/team/app/blobs/uploads/'), method: 'POST' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc', 'repository:team/app:pull,push') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'mount-token' }));
    registry.intercept({ path: (path) => path.startsWith('/v2/team/app/blobs/uploads/'), method: 'POST' }).reply(201, '');

    const response = await mocked.transport.request('registry.example.com', {
      method: 'POST',
      url: mountPath,
      scopes: [
        { repository: 'base/os', actions: ['pull'] },
        { repository: 'team/app', actions: ['push', 'pull'] },
      ],
    });
    await response.body.text();

    expect(response.status).toBe(201);
    expect(queryValues(mocked.calls()[1]!.fullUrl, 'scope')).toEqual(['repository:base/os:pull', 'repository:team/app:pull,push']);
  });

  it('drops a cached token the registry rejects and fetches once more', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') } };
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'revoked' }));
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');
    // The registry revokes the token: the next request with it fails.
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'renewed' }));
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');
    const request = { method: 'GET' as const, url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull' as const] }] };

    await (await mocked.transport.request('registry.example.com', request)).body.text();
    const response = await mocked.transport.request('registry.example.com', request);
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.calls().map(authorizationOf)).toEqual([undefined, undefined, 'Bearer revoked', 'Bearer revoked', undefined, 'Bearer renewed']);
  });

  it('returns the 401 when a fresh token is rejected too', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = {
      headers: { 'www-authenticate': `${bearerChallenge('https://registry.example.com/token', 'svc', 'repository:org/app:pull,push')},error="insufficient_scope"` },
    };
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'pull-only' }));
    registry
      .intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' })
      .reply(401, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', challenge);

    const response = await mocked.transport.request('registry.example.com', {
      method: 'PUT',
      url: '/v2/org/app/manifests/1',
      body: '{}',
      scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
    });

    expect(response.status).toBe(401);
    expect(await response.body.text()).toContain('DENIED');
    expect(mocked.calls()).toHaveLength(3);
  });

  it('authenticates a stream body with a probe before sending it once', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'upload-token' }));
    registry.intercept({ path: '/v2/org/app/blobs/uploads/1', method: 'PATCH' }).reply(202, '');

    const response = await mocked.transport.request('registry.example.com', {
      method: 'PATCH',
      url: '/v2/org/app/blobs/uploads/1',
      body: Readable.from([Buffer.from('layer bytes')]),
      scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
    });
    await response.body.text();

    const calls = mocked.calls();
    expect(response.status).toBe(202);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /v2/', 'GET /token', 'PATCH /v2/org/app/blobs/uploads/1']);
    expect(authorizationOf(calls[2]!)).toBe('Bearer upload-token');
    expect(queryValues(calls[1]!.fullUrl, 'scope')).toEqual(['repository:org/app:pull,push']);
  });

  it('posts the identity token as an OAuth2 refresh token', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { identityToken: 'refresh-me' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/oauth2/token', 'registry.example.com') },
    });
    registry.intercept({ path: '/oauth2/token', method: 'POST' }).reply(200, tokenBody({ access_token: 'from-refresh', expires_in: 300 }));
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', {
      method: 'GET',
      url: '/v2/org/app/tags/list',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    await response.body.text();

    const post = mocked.calls()[1]!;
    const form = new URLSearchParams(String(post.body));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-me',
      client_id: 'tagkeeper',
      service: 'registry.example.com',
      scope: 'repository:org/app:pull',
    });
    expect((post.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect(authorizationOf(mocked.calls()[2]!)).toBe('Bearer from-refresh');
  });

  it('asks for a new login when the identity token is rejected', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { identityToken: 'spent-token' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/oauth2/token', 'registry.example.com') },
    });
    registry.intercept({ path: '/oauth2/token', method: 'POST' }).reply(400, '{"error":"invalid_grant"}', { headers: JSON_HEADERS });

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'GET', url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull'] }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as Error).message).toContain('the identity token stored for registry.example.com was rejected; log in again');
    expect((failure as Error).message).not.toContain('spent-token');
  });

  it('sends a rotated refresh token next time', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { identityToken: 'refresh-1' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/oauth2/token', 'registry.example.com') } };
    // The first request learns the challenge, so the second requests its token up front.
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);
    for (const [repository, issued] of [['org/app', 'refresh-2'], ['org/other', 'refresh-3']] as const) {
      registry
        .intercept({ path: '/oauth2/token', method: 'POST' })
        .reply(200, tokenBody({ access_token: `access-for-${repository}`, refresh_token: issued, expires_in: 300 }));
      registry.intercept({ path: `/v2/${repository}/tags/list`, method: 'GET' }).reply(200, '{}');
    }

    for (const repository of ['org/app', 'org/other']) {
      const response = await mocked.transport.request('registry.example.com', {
        method: 'GET',
        url: `/v2/${repository}/tags/list`,
        scopes: [{ repository, actions: ['pull'] }],
      });
      await response.body.text();
      expect(response.status).toBe(200);
    }

    const posts = mocked.calls().filter((call) => call.method === 'POST');
    expect(posts.map((post) => new URLSearchParams(String(post.body)).get('refresh_token'))).toEqual(['refresh-1', 'refresh-2']);
  });

  it('sends a stored registry token without a token request', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { registryToken: 'direct-token' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();

    expect(response.status).toBe(200);
    expect(mocked.calls().map(authorizationOf)).toEqual([undefined, 'Bearer direct-token']);
  });

  it('throws AuthenticationError when the token server refuses', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { username: 'alice', password: 'wrong-pass' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry
      .intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' })
      .reply(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'GET', url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull'] }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as AuthenticationError).code).toBe('TOKEN_REQUEST_FAILED');
    expect((failure as AuthenticationError).status).toBe(401);
    expect((failure as Error).message).toContain('user "alice"');
    expect((failure as Error).message).toContain('UNAUTHORIZED');
  });

  it('asks for a login when an anonymous token is rejected', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') } };
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'anonymous-token' }), { headers: JSON_HEADERS });
    registry
      .intercept({ path: '/v2/org/app/tags/list', method: 'GET' })
      .reply(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', challenge);

    const response = await mocked.transport.request('registry.example.com', {
      method: 'GET',
      url: '/v2/org/app/tags/list',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    const failure = await errorFromResponse(response, { reference: 'registry.example.com/org/app' });

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure.code).toBe('CREDENTIALS_MISSING');
    expect(failure.errors).toEqual([{ code: 'UNAUTHORIZED', message: 'authentication required' }]);
    expect(failure.message).toBe(
      'GET https://registry.example.com/v2/org/app/tags/list needs a login, but no credentials are stored for registry.example.com; ' +
        'log in with "docker login registry.example.com" or pass --username with --password-stdin',
    );
  });

  it('asks for a login when an anonymous token is denied', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') } };
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'anonymous-token' }), { headers: JSON_HEADERS });
    registry
      .intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' })
      .reply(403, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');

    const response = await mocked.transport.request('registry.example.com', {
      method: 'PUT',
      url: '/v2/org/app/manifests/1',
      body: '{}',
      scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
    });
    const failure = await errorFromResponse(response, { reference: 'registry.example.com/org/app:1' });

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure.status).toBe(403);
    expect(failure.code).toBe('CREDENTIALS_MISSING');
    expect(failure.message).toContain('needs a login, but no credentials are stored for registry.example.com');
  });

  it('keeps credentials advice for a rejected token', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { username: 'alice', password: 'alice-pass' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') } };
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, tokenBody({ token: 'alice-token' }), { headers: JSON_HEADERS });
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', challenge);

    const response = await mocked.transport.request('registry.example.com', {
      method: 'GET',
      url: '/v2/org/app/tags/list',
      scopes: [{ repository: 'org/app', actions: ['pull'] }],
    });
    const failure = await errorFromResponse(response);

    expect(failure.code).toBe('HTTP_401');
    expect(failure.message).toContain('check the username and password or token for this registry');
  });

  it.each([
    [
      'no credentials are stored',
      {},
      'no credentials are stored for registry.example.com; log in with "docker login registry.example.com" or pass --username with --password-stdin',
    ],
    [
      'the stored credentials stay off a realm on another host',
      { 'registry.example.com': { username: 'alice', password: 'alice-pass' } },
      'the credentials stored for registry.example.com were not sent to auth.example.net, which is not the registry\'s host; ' +
        'list auth.example.net in trustedRealmHosts if it belongs to the registry',
    ],
  ])('says why a refused anonymous token request failed when %s', async (_case, entries, advice) => {
    mocked = mockTransport({ credentials: staticCredentials(entries) });
    mocked.agent
      .get('https://registry.example.com')
      .intercept({ path: '/v2/org/app/tags/list', method: 'GET' })
      .reply(401, '', { headers: { 'www-authenticate': bearerChallenge('https://auth.example.net/token', 'svc') } });
    mocked.agent
      .get('https://auth.example.net')
      .intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' })
      .reply(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'GET', url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull'] }] })
      .catch((error: unknown) => error);

    expect((failure as AuthenticationError).code).toBe('TOKEN_REQUEST_FAILED');
    expect((failure as Error).message).toContain('with no credentials returned HTTP 401');
    expect((failure as Error).message.endsWith(advice)).toBe(true);
    expect((failure as Error).message).not.toContain('alice-pass');
  });

  it('rejects a token reply without a token', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, '{"expires_in":300}');

    const failure = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);

    expect((failure as AuthenticationError).code).toBe('TOKEN_RESPONSE_INVALID');
  });

  it('throws InvalidChallengeError for a malformed challenge', async () => {
    mocked = mockTransport();
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="https://unterminated' } });

    const failure = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(InvalidChallengeError);
  });

  it('returns a 401 without a challenge as it is', async () => {
    mocked = mockTransport();
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/', method: 'GET' }).reply(401, 'no challenge here');

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });

    expect(response.status).toBe(401);
    expect(await response.body.text()).toBe('no challenge here');
  });
});

describe('basic auth flow', () => {
  it('sends the stored username and password after a Basic challenge', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { username: 'bob', password: 'b0b-pass' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="Registry"' } });
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}').times(2);

    await (await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' })).body.text();
    await (await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' })).body.text();

    // The second request sends credentials at once, because the challenge is known.
    expect(mocked.calls().map(authorizationOf)).toEqual([undefined, basicAuthorization('bob', 'b0b-pass'), basicAuthorization('bob', 'b0b-pass')]);
  });

  it('throws CREDENTIALS_MISSING for a Basic challenge without credentials', async () => {
    mocked = mockTransport();
    mocked.agent
      .get('https://registry.example.com')
      .intercept({ path: '/v2/org/app/tags/list', method: 'GET' })
      .reply(401, '', { headers: { 'www-authenticate': 'Basic realm="Registry"' } });

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'GET', url: '/v2/org/app/tags/list' })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as AuthenticationError).code).toBe('CREDENTIALS_MISSING');
    expect((failure as Error).message).toBe(
      'GET https://registry.example.com/v2/org/app/tags/list needs a login, but no credentials are stored for registry.example.com; ' +
        'log in with "docker login registry.example.com" or pass --username with --password-stdin',
    );
  });

  it('returns the 401 when the password is wrong', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'registry.example.com': { username: 'bob', password: 'wrong' } }) });
    const registry = mocked.agent.get('https://registry.example.com');
    const challenge = { headers: { 'www-authenticate': 'Basic realm="Registry"' } };
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', challenge).times(2);

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();

    expect(response.status).toBe(401);
    expect(mocked.calls()).toHaveLength(2);
  });
});
