import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthenticationError } from '../../../src/registry/errors.js';
import { createTransport, errorFromResponse } from '../../../src/registry/transport/index.js';
import type { Credential } from '../../../src/registry/auth/credentials.js';
import type { RegistryResponse, RegistryTransport } from '../../../src/registry/transport-types.js';
import { buildImage } from '../../support/oci-layout.js';
import type { BuiltImage } from '../../support/oci-layout.js';
import { startDistribution } from '../../support/distribution.js';
import type { Distribution } from '../../support/distribution.js';
import { startTokenServer } from '../../support/token-server.js';
import type { TokenServer } from '../../support/token-server.js';
import { pushImage } from '../../support/skopeo.js';
import { makeTempDir, removeDir } from '../../support/temp.js';
import { staticCredentials } from '../transport/mock-transport.js';
import { getManifest, listTags, pushBlob, sha256 } from '../transport/registry-operations.js';

const pusher = { username: 'pusher', password: 'pusher-pass-2' };
const reader = { username: 'reader', password: 'reader-pass-3' };

/** Grants the pusher every action, and the reader and anonymous requests only pull. */
function acl(user: string | undefined, _repository: string, actions: string[]): string[] {
  return user === pusher.username ? actions : actions.filter((action) => action === 'pull');
}

function transportAs(registry: string, credential: Credential | undefined, lines: string[] = []): RegistryTransport {
  return createTransport({
    credentials: staticCredentials(credential === undefined ? {} : { [registry]: credential }),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    env: {},
    debug: (line) => lines.push(line),
  });
}

/** Opens a blob upload in team/app, which needs push access. */
function openUpload(transport: RegistryTransport, registry: string): Promise<RegistryResponse> {
  const scopes = [{ repository: 'team/app', actions: ['pull' as const, 'push' as const] }];
  return transport.request(registry, { method: 'POST', url: '/v2/team/app/blobs/uploads/', scopes });
}

describe('registry with token auth behind a token server', () => {
  let tokenServer: TokenServer;
  let distribution: Distribution;
  const registry = (): Distribution & { token: TokenServer } => ({ ...distribution, token: tokenServer });
  let layout: string;
  let image: BuiltImage;

  beforeAll(async () => {
    tokenServer = await startTokenServer({ users: [pusher, reader], acl });
    distribution = await startDistribution({ auth: 'token', users: [pusher, reader], token: tokenServer });
    layout = await makeTempDir('token-layout');
    image = await buildImage(layout, 'v1', { seed: 'token-flow' });
    await pushImage(image, registry(), 'team/app:1.0', pusher);
  });

  afterAll(async () => {
    await distribution?.stop();
    await tokenServer?.stop();
    await removeDir(layout);
  });

  it('pulls with a token asked for with the reader credentials', async () => {
    const transport = transportAs(registry().host, reader);

    const manifest = await getManifest(transport, registry().host, 'team/app', '1.0');
    await transport.close();

    expect(manifest.status).toBe(200);
    expect(sha256(manifest.bytes)).toBe(image.digest);
    expect(registry().token.issued.at(-1)).toEqual({
      username: 'reader',
      scopes: ['repository:team/app:pull'],
      access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
    });
  });

  it('asks for a login when a push has no stored credentials', async () => {
    const transport = transportAs(registry().host, undefined);

    const pushed = await openUpload(transport, registry().host);
    const failure = await errorFromResponse(pushed);
    await transport.close();

    expect(pushed.status).toBe(401);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure.code).toBe('CREDENTIALS_MISSING');
    expect(failure.status).toBe(401);
    expect(failure.message).toBe(
      `POST ${failure.url} needs a login, but no credentials are stored for ${registry().host}; ` +
        `log in with "docker login ${registry().host}" or pass --username with --password-stdin`,
    );
  });

  it('keeps the credentials advice when a user without push pushes', async () => {
    const transport = transportAs(registry().host, reader);

    const pushed = await openUpload(transport, registry().host);
    const failure = await errorFromResponse(pushed);
    await transport.close();

    expect(failure.code).not.toBe('CREDENTIALS_MISSING');
    expect(failure.message).toContain('check the username and password or token for this registry');
  });

  it('gets a 401 when a user without push pushes', async () => {
    const transport = transportAs(registry().host, reader);

    const pushed = await pushBlob(transport, registry().host, 'team/app', Buffer.from('reader blob'));
    await transport.close();

    expect(pushed.status).toBe(401);
    expect(registry().token.issued.at(-1)?.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  });

  it('turns the push refusal into an AuthenticationError', async () => {
    const transport = transportAs(registry().host, reader);

    const response = await transport.request(registry().host, {
      method: 'POST',
      url: '/v2/team/app/blobs/uploads/',
      scopes: [{ repository: 'team/app', actions: ['pull', 'push'] }],
    });
    const error = await errorFromResponse(response);
    await transport.close();

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('pushes a blob with the pusher credentials, stream body included', async () => {
    const transport = transportAs(registry().host, pusher);

    const buffered = await pushBlob(transport, registry().host, 'team/app', Buffer.from('pusher blob'));
    const streamed = await pushBlob(transport, registry().host, 'team/app', Buffer.from('pusher stream blob'), { stream: true });
    await transport.close();

    expect(buffered.status).toBe(201);
    expect(streamed.status).toBe(201);
  });

  it('makes one token request for many requests of one scope', async () => {
    const transport = transportAs(registry().host, reader);
    const before = registry().token.requests;

    for (let index = 0; index < 20; index += 1) {
      const response = await listTags(transport, registry().host, 'team/app');
      await response.body.text();
      expect(response.status).toBe(200);
    }
    await transport.close();

    expect(registry().token.requests - before).toBe(1);
  });

  it('throws TOKEN_REQUEST_FAILED for a wrong password', async () => {
    const transport = transportAs(registry().host, { username: 'reader', password: 'wrong-password-4' });

    const failure = await listTags(transport, registry().host, 'team/app').catch((error: unknown) => error);
    await transport.close();

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as AuthenticationError).code).toBe('TOKEN_REQUEST_FAILED');
    expect((failure as AuthenticationError).status).toBe(401);
  });

  it('exchanges an identity token with the OAuth2 refresh grant', async () => {
    const offline = new URL(registry().token.realm);
    offline.searchParams.set('service', registry().token.service);
    offline.searchParams.set('offline_token', 'true');
    const issued = await fetch(offline, {
      headers: { authorization: `Basic ${Buffer.from(`${pusher.username}:${pusher.password}`).toString('base64')}` },
    });
    const { refresh_token: refreshToken } = (await issued.json()) as { refresh_token: string };
    const transport = transportAs(registry().host, { identityToken: refreshToken });

    const pushed = await pushBlob(transport, registry().host, 'team/app', Buffer.from('identity token blob'));
    await transport.close();

    expect(refreshToken).toEqual(expect.any(String));
    expect(pushed.status).toBe(201);
    expect(registry().token.issued.at(-1)?.username).toBe('pusher');
  });

  it('pulls anonymously when the ACL lets anonymous requests pull', async () => {
    const transport = transportAs(registry().host, undefined);

    const manifest = await getManifest(transport, registry().host, 'team/app', '1.0');
    await transport.close();

    expect(manifest.status).toBe(200);
    expect(registry().token.issued.at(-1)?.username).toBeUndefined();
  });
});
