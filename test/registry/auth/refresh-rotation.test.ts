import { afterEach, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../../src/registry/client.js';
import { startMemoryRegistry, type MemoryRegistry } from '../../../src/testing/index.js';
import { staticCredentials } from '../transport/mock-transport.js';

const SERVICE = 'tagkeeper-memory-registry';
const USER = { username: 'ci', password: 'ci-pass-9' };

let registry: MemoryRegistry | undefined;

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** Logs in with the OAuth2 password grant and `access_type=offline`, and returns the refresh token to store as an identity token. */
async function offlineLogin(url: string): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: USER.username, password: USER.password, service: SERVICE, access_type: 'offline' }),
  });
  const reply = (await response.json()) as { refresh_token?: string };
  if (reply.refresh_token === undefined) throw new Error(`the token endpoint returned no refresh token (HTTP ${response.status})`);
  return reply.refresh_token;
}

describe('identity token against a server that rotates refresh tokens', () => {
  it('reads several repositories with one stored identity token', async () => {
    registry = await startMemoryRegistry({ auth: { type: 'token', users: { [USER.username]: USER.password }, rotateRefreshTokens: true } });
    const identityToken = await offlineLogin(registry.url);
    const client = new RegistryClient({ credentials: staticCredentials({ [registry.host]: { identityToken } }), env: {} });
    try {
      // Each repository needs its own token, so each read sends the refresh token once. The
      // repositories are empty: a 404 shows the token was accepted, a rejected one gives 401.
      for (const repository of ['team/one', 'team/two', 'team/three']) {
        const failure = await client.headManifest(`${registry.host}/${repository}:1`).catch((error: unknown) => error);
        expect(failure, repository).toMatchObject({ status: 404 });
      }
    } finally {
      await client.close();
    }
  });

  it('reads several repositories at once with one stored identity token', async () => {
    registry = await startMemoryRegistry({ auth: { type: 'token', users: { [USER.username]: USER.password }, rotateRefreshTokens: true } });
    const identityToken = await offlineLogin(registry.url);
    const client = new RegistryClient({ credentials: staticCredentials({ [registry.host]: { identityToken } }), env: {} });
    const host = registry.host;
    try {
      // The three token exchanges wait for each other, so each sends the refresh token the one before it got.
      const results = await Promise.all(
        ['team/one', 'team/two', 'team/three'].map((repository) => client.headManifest(`${host}/${repository}:1`).catch((error: unknown) => error)),
      );

      expect(results.map((result) => (result as { status?: number }).status)).toEqual([404, 404, 404]);
    } finally {
      await client.close();
    }
  });
});

describe('catalog on a token registry', () => {
  it('lists repositories after a challenge for the catalog scope', async () => {
    registry = await startMemoryRegistry({ auth: { type: 'token', users: { [USER.username]: USER.password } } });
    const host = registry.host;
    const client = new RegistryClient({ credentials: staticCredentials({ [host]: { username: USER.username, password: USER.password } }), env: {} });
    try {
      const listing = await client.listRepositories(host);

      expect(listing.repositories).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
