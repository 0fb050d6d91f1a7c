import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeJwt } from '../support/jwt.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const tester = { username: 'tester', password: 's3cret-pass' };
const reader = { username: 'reader', password: 'read-only-pass' };

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
  challenge: string | null;
}

async function requestToken(server: TokenServer, query: string, authorization?: string): Promise<TokenResponse> {
  const response = await fetch(`${server.realm}?${query}`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
}

async function postToken(server: TokenServer, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(server.realm, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
}

/** Verifies a token the way the registry does: x5c against the root bundle, then the signature. */
async function verifyToken(server: TokenServer, token: string): Promise<Record<string, unknown>> {
  const { header, claims } = decodeJwt(token);
  const root = new X509Certificate(await readFile(server.rootCertFile));
  const [leaf] = header.x5c as string[];
  expect(Buffer.from(leaf ?? '', 'base64').equals(root.raw)).toBe(true);

  const [encodedHeader, encodedClaims, signature] = token.split('.');
  const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`);
  const key = createPublicKey(root.publicKey.export({ format: 'pem', type: 'spki' }));
  const valid =
    header.alg === 'ES256'
      ? verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature ?? '', 'base64url'))
      : verify('sha256', signed, key, Buffer.from(signature ?? '', 'base64url'));
  expect(valid).toBe(true);
  return claims;
}

describe('token server', () => {
  let server: TokenServer;

  beforeAll(async () => {
    server = await startTokenServer({ users: [tester, reader] });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('issues a signed token for a user', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await requestToken(server, `service=${server.service}&scope=repository:apps/db:pull,push`, basic(tester.username, tester.password));

    expect(response.status).toBe(200);
    expect(response.body.access_token).toBe(response.body.token);
    expect(response.body.expires_in).toBe(300);
    expect(Date.parse(response.body.issued_at as string)).toBeGreaterThanOrEqual((before - 1) * 1000);

    const claims = await verifyToken(server, response.body.token as string);
    expect(claims).toMatchObject({ iss: server.issuer, aud: server.service, sub: 'tester' });
    expect(claims.access).toEqual([{ type: 'repository', name: 'apps/db', actions: ['pull', 'push'] }]);
    expect(claims.exp).toBe((claims.iat as number) + 300);
    expect(decodeJwt(response.body.token as string).header).toMatchObject({ typ: 'JWT', alg: 'ES256' });
  });

  it('grants several scopes, each with its action list', async () => {
    const query = [
      `service=${server.service}`,
      'scope=repository:apps/a:pull,push',
      'scope=repository:apps/b:pull',
      'scope=registry:catalog:*',
    ].join('&');
    const response = await requestToken(server, query, basic(tester.username, tester.password));

    const claims = await verifyToken(server, response.body.token as string);
    expect(claims.access).toEqual([
      { type: 'repository', name: 'apps/a', actions: ['pull', 'push'] },
      { type: 'repository', name: 'apps/b', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(response.body.scope).toBe('repository:apps/a:pull,push repository:apps/b:pull registry:catalog:*');
  });

  it('issues an empty grant to anonymous requests', async () => {
    const response = await requestToken(server, `service=${server.service}&scope=repository:apps/db:pull`);

    expect(response.status).toBe(200);
    const claims = await verifyToken(server, response.body.token as string);
    expect(claims.sub).toBe('');
    expect(claims.access).toEqual([]);
  });

  it.each([
    ['a wrong password', basic('tester', 'wrong')],
    ['an unknown user', basic('intruder', 's3cret-pass')],
    ['a Basic value without a colon', `Basic ${Buffer.from('tester').toString('base64')}`],
    ['a bearer token', 'Bearer abc.def.ghi'],
  ])('rejects %s with 401', async (_case, authorization) => {
    const response = await requestToken(server, `service=${server.service}&scope=repository:a:pull`, authorization);

    expect(response.status).toBe(401);
    expect(response.challenge).toBe(`Basic realm="${server.service}"`);
    expect(response.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.stringContaining('authentication failed') }] });
    expect(JSON.stringify(response.body)).not.toContain('s3cret-pass');
  });

  it.each([
    ['an invalid scope', 'scope=repository:apps/db', /scope "repository:apps\/db" is invalid/],
    ['another service', 'service=other-registry&scope=repository:a:pull', /service "other-registry" is unknown/],
  ])('rejects %s with 400', async (_case, query, message) => {
    const response = await requestToken(server, query, basic(tester.username, tester.password));

    expect(response.status).toBe(400);
    const [error] = response.body.errors as Array<{ code: string; message: string }>;
    expect(error?.code).toBe('INVALID_REQUEST');
    expect(error?.message).toMatch(message);
  });

  it('hands out and accepts refresh tokens', async () => {
    const first = await requestToken(server, `service=${server.service}&offline_token=true&scope=repository:a:pull`, basic(reader.username, reader.password));
    const refreshToken = first.body.refresh_token as string;
    expect(refreshToken).toMatch(/^[\w-]{20,}$/);

    const refreshed = await postToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken, service: server.service, scope: 'repository:a:pull' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(refreshToken);
    expect(refreshed.body.scope).toBe('repository:a:pull');
    expect((await verifyToken(server, refreshed.body.access_token as string)).sub).toBe('reader');
  });

  it.each<[string, Record<string, string>, number]>([
    ['a password grant', { grant_type: 'password', username: 'tester', password: 's3cret-pass', scope: 'repository:a:pull' }, 200],
    ['a wrong password grant', { grant_type: 'password', username: 'tester', password: 'nope' }, 401],
    ['a password grant without a username', { grant_type: 'password', password: 'x' }, 401],
    ['an unknown refresh token', { grant_type: 'refresh_token', refresh_token: 'made-up' }, 401],
    ['an unsupported grant type', { grant_type: 'client_credentials' }, 400],
  ])('answers %s with %i', async (_case, form, status) => {
    expect((await postToken(server, form)).status).toBe(status);
  });

  it('returns a refresh token for access_type offline', async () => {
    const response = await postToken(server, { grant_type: 'password', username: 'tester', password: 's3cret-pass', access_type: 'offline' });
    expect(typeof response.body.refresh_token).toBe('string');
  });

  it('counts token requests and records grants', async () => {
    const before = server.requests;
    const issuedBefore = server.issued.length;
    await requestToken(server, `service=${server.service}&scope=repository:count:pull`, basic(tester.username, tester.password));
    await requestToken(server, `service=${server.service}`, basic('tester', 'wrong'));

    expect(server.requests).toBe(before + 2);
    expect(server.issued.slice(issuedBefore)).toEqual([
      { username: 'tester', scopes: ['repository:count:pull'], access: [{ type: 'repository', name: 'count', actions: ['pull'] }] },
    ]);
  });

  it.each([
    ['another path', '/v2/', 'GET', 404],
    ['another method', '/token', 'PUT', 405],
  ])('rejects %s', async (_case, pathname, method, status) => {
    const before = server.requests;
    const response = await fetch(new URL(pathname, server.realm), { method });

    expect(response.status).toBe(status);
    expect(server.requests).toBe(before);
  });
});

describe('token server options', () => {
  it('signs with RS256', async () => {
    const server = await startTokenServer({ users: [tester], algorithm: 'RS256', expiresInSeconds: 60 });
    try {
      const response = await requestToken(server, `service=${server.service}&scope=repository:a:pull`, basic(tester.username, tester.password));
      const claims = await verifyToken(server, response.body.token as string);

      expect(decodeJwt(response.body.token as string).header.alg).toBe('RS256');
      expect(claims.exp).toBe((claims.iat as number) + 60);
      expect(response.body.expires_in).toBe(60);
    } finally {
      await server.stop();
    }
  });

  it('grants anonymous pull only when allowed', async () => {
    const server = await startTokenServer({ users: [tester], allowAnonymousPull: true, service: 'custom-registry', issuer: 'custom-issuer' });
    try {
      const response = await requestToken(server, 'service=custom-registry&scope=repository:a:pull,push');
      const claims = await verifyToken(server, response.body.token as string);

      expect(claims).toMatchObject({ iss: 'custom-issuer', aud: 'custom-registry' });
      expect(claims.access).toEqual([{ type: 'repository', name: 'a', actions: ['pull'] }]);
    } finally {
      await server.stop();
    }
  });

  it('stops listening and removes its files, and stops twice safely', async () => {
    const server = await startTokenServer({ users: [tester] });
    await server.stop();
    await server.stop();

    expect(existsSync(server.rootCertFile)).toBe(false);
    await expect(fetch(server.realm)).rejects.toThrow();
  });

  it.each<[string, Parameters<typeof startTokenServer>[0], RegExp]>([
    ['no users', { users: [] }, /at least one user/],
    ['a zero lifetime', { users: [tester], expiresInSeconds: 0 }, /expiresInSeconds 0 is invalid/],
    ['anonymous pull with a custom ACL', { users: [tester], allowAnonymousPull: true, acl: () => [] }, /applies to the default ACL only/],
  ])('rejects %s', async (_case, options, message) => {
    await expect(startTokenServer(options)).rejects.toThrow(message);
  });
});
