import { afterEach, describe, expect, it } from 'vitest';

import { BlockedHostError, InsecureSchemeError } from '../../../src/registry/transport/index.js';
import { authorizationOf, basicAuthorization, bearerChallenge, mockTransport, staticCredentials } from '../transport/mock-transport.js';
import type { MockedTransport } from '../transport/mock-transport.js';
import type { TransportOptions } from '../../../src/registry/transport/index.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

const CREDENTIALS = staticCredentials({ 'registry.example.com': { username: 'carol', password: 'c4rol-pass' } });

/** Sets up a registry whose challenge names `realm`, and a token server there when `tokenOrigin` is given. */
function registryWithRealm(realm: string, options: TransportOptions, tokenOrigin?: string): MockedTransport {
  const transport = mockTransport({ credentials: CREDENTIALS, ...options });
  const registry = transport.agent.get('https://registry.example.com');
  registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(401, '', {
    headers: { 'www-authenticate': bearerChallenge(realm, 'registry.example.com') },
  });
  if (tokenOrigin !== undefined) {
    transport.agent.get(tokenOrigin).intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, '{"token":"t"}');
    registry.intercept({ path: '/v2/org/app/tags/list', method: 'GET' }).reply(200, '{}');
  }
  return transport;
}

function listTags(transport: MockedTransport): Promise<unknown> {
  return transport.transport
    .request('registry.example.com', { method: 'GET', url: '/v2/org/app/tags/list', scopes: [{ repository: 'org/app', actions: ['pull'] }] })
    .then(async (response) => {
      await response.body.text();
      return response;
    })
    .catch((error: unknown) => error);
}

describe('token realm guards', () => {
  const credentialCases = [
    { name: 'realm on the registry host gets credentials', realm: 'https://registry.example.com/token', origin: 'https://registry.example.com', trusted: [], sends: true },
    { name: 'realm on another port of the registry host gets credentials', realm: 'https://registry.example.com:8443/token', origin: 'https://registry.example.com:8443', trusted: [], sends: true },
    { name: 'realm on another host gets an anonymous request', realm: 'https://auth.elsewhere.example/token', origin: 'https://auth.elsewhere.example', trusted: [], sends: false },
    { name: 'trusted realm host gets credentials', realm: 'https://auth.elsewhere.example/token', origin: 'https://auth.elsewhere.example', trusted: ['auth.elsewhere.example'], sends: true },
    { name: 'trusted host:port gets credentials', realm: 'https://auth.elsewhere.example:9443/token', origin: 'https://auth.elsewhere.example:9443', trusted: ['auth.elsewhere.example:9443'], sends: true },
    { name: 'trust for another port does not apply', realm: 'https://auth.elsewhere.example:9443/token', origin: 'https://auth.elsewhere.example:9443', trusted: ['auth.elsewhere.example:443'], sends: false },
  ];

  it.each(credentialCases)('$name', async ({ realm, origin, trusted, sends }) => {
    mocked = registryWithRealm(realm, { trustedRealmHosts: trusted }, origin);

    await listTags(mocked);

    const token = mocked.calls().find((call) => call.path === '/token')!;
    expect(token.origin).toBe(origin);
    expect(authorizationOf(token)).toBe(sends ? basicAuthorization('carol', 'c4rol-pass') : undefined);
  });

  const blockedRealms = [
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://169.254.169.254/token',
    'https://[fe80::1]/token',
    'https://[::ffff:169.254.169.254]/token',
    'http://metadata.google.internal/computeMetadata/v1/token',
    'https://METADATA.GOOGLE.INTERNAL./token',
  ];

  it.each(blockedRealms)('refuses the realm %s before connecting', async (realm) => {
    mocked = registryWithRealm(realm, {});

    const failure = await listTags(mocked);

    expect(failure).toBeInstanceOf(BlockedHostError);
    expect((failure as BlockedHostError).code).toBe('BLOCKED_HOST');
    expect(mocked.calls().map((call) => call.origin)).toEqual(['https://registry.example.com']);
  });

  it('rejects a plain HTTP realm elsewhere', async () => {
    mocked = registryWithRealm('http://auth.elsewhere.example/token', {});

    const failure = await listTags(mocked);

    expect(failure).toBeInstanceOf(InsecureSchemeError);
    expect((failure as Error).message).toContain('insecureRegistries');
    expect(mocked.calls()).toHaveLength(1);
  });

  it('allows a plain HTTP realm on a host marked insecure', async () => {
    mocked = registryWithRealm('http://auth.lan.example/token', { insecureRegistries: ['auth.lan.example'] }, 'http://auth.lan.example');

    const response = (await listTags(mocked)) as { status: number };

    expect(response.status).toBe(200);
  });

  it('allows a plain HTTP realm on a loopback address', async () => {
    mocked = registryWithRealm('http://127.0.0.1:5999/token', {}, 'http://127.0.0.1:5999');

    const response = (await listTags(mocked)) as { status: number };

    expect(response.status).toBe(200);
    expect(authorizationOf(mocked.calls()[1]!)).toBeUndefined();
  });
});

describe('Docker Hub realm', () => {
  it('trusts auth.docker.io with Docker Hub credentials only', async () => {
    mocked = mockTransport({
      credentials: staticCredentials({ 'docker.io': { username: 'hub', password: 'hub-pass' }, 'registry.example.com': { username: 'x', password: 'x-pass' } }),
    });
    const challenge = bearerChallenge('https://auth.docker.io/token', 'registry.docker.io');
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': challenge } });
    mocked.agent.get('https://registry.example.com').intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    mocked.agent.get('https://auth.docker.io').intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, '{"token":"t"}');

    // Another registry pointing at Docker Hub's token service does not get its credentials sent there.
    await (await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' })).body.text();

    expect(authorizationOf(mocked.calls()[1]!)).toBeUndefined();
  });
});
