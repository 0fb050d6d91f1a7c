import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDistribution } from '../support/distribution.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, registryTarget, skopeoDelete, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { startTokenServer } from '../support/token-server.js';

function getChallenge(url: string): Promise<{ status?: number; challenge?: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode, challenge: response.headers['www-authenticate'] });
    });
    sent.on('error', reject);
    sent.end();
  });
}

const tester = { username: 'tester', password: 's3cret-pass' };
const reader = { username: 'reader', password: 'read-only-pass' };

let layout: string;
let image: BuiltImage;

beforeAll(async () => {
  layout = await makeTempDir('token-layout');
  image = await buildImage(layout, 'v1', { seed: 'token' });
});

afterAll(async () => {
  await removeDir(layout);
});

describe('registry with token auth', () => {
  const registry = useDistribution({ auth: 'token', users: [tester, reader] });

  it('challenges with Bearer and the token realm', async () => {
    const token = registry().token;
    const apiRoot = await getChallenge(`${registry().url}/v2/`);
    const tags = await getChallenge(`${registry().url}/v2/apps/db/tags/list`);

    expect(apiRoot.status).toBe(401);
    expect(apiRoot.challenge).toBe(`Bearer realm="${token?.realm}",service="${token?.service}"`);
    expect(tags.challenge).toBe(`Bearer realm="${token?.realm}",service="${token?.service}",scope="repository:apps/db:pull"`);
  });

  it('grants push and pull to a user', async () => {
    const token = registry().token;
    const before = token?.requests ?? 0;

    expect(await pushImage(image, registry(), 'apps/db:1')).toBe(image.digest);
    expect(await skopeoDigest(`docker://${registry().host}/apps/db:1`, registryTarget(registry()))).toBe(image.digest);
    expect(await skopeoListTags(`docker://${registry().host}/apps/db`, registryTarget(registry()))).toEqual(['1']);

    expect(token?.requests).toBeGreaterThan(before);
    expect(token?.issued.some((issued) => issued.access.some((entry) => entry.actions.includes('push')))).toBe(true);
  });

  it('lets a user delete a manifest', async () => {
    const other = await buildImage(layout, 'delete', { seed: 'token-delete' });
    await pushImage(other, registry(), 'apps/delete:1');

    await skopeoDelete(`docker://${registry().host}/apps/delete:1`, registryTarget(registry()));

    await expect(skopeoDigest(`docker://${registry().host}/apps/delete@${other.digest}`, registryTarget(registry()))).rejects.toThrow(
      /manifest unknown/,
    );
  });

  it.each([
    ['an unknown user', { username: 'intruder', password: 's3cret-pass' }],
    ['a wrong password', { username: 'tester', password: 'Wr0ng-Token-Pass' }],
  ])('rejects %s', async (_case, auth) => {
    const listed = skopeoListTags(`docker://${registry().host}/apps/db`, { auth });

    await expect(listed).rejects.toThrow(/401|unauthorized|authentication required/i);
    await expect(listed).rejects.not.toThrow(auth.password);
  });

  it('rejects anonymous pulls by default', async () => {
    await expect(skopeoListTags(`docker://${registry().host}/apps/db`)).rejects.toThrow(/unauthorized|authentication required/i);
  });
});

describe('registry with token auth and a custom token server', () => {
  let registry: Awaited<ReturnType<typeof startDistribution>>;
  let tokenServer: Awaited<ReturnType<typeof startTokenServer>>;

  beforeAll(async () => {
    tokenServer = await startTokenServer({
      users: [tester, reader],
      algorithm: 'RS256',
      // Anonymous clients and the reader may pull, the other users may do anything.
      acl: (user, _repository, actions) =>
        user === undefined || user === 'reader' ? actions.filter((action) => action === 'pull') : actions,
    });
    registry = await startDistribution({ auth: 'token', users: [tester, reader], token: tokenServer });
    await pushImage(image, registry, 'public/app:1', tester);
  });

  afterAll(async () => {
    await registry.stop();
    await tokenServer.stop();
  });

  it('accepts RS256 tokens', async () => {
    expect(await skopeoDigest(`docker://${registry.host}/public/app:1`, { auth: tester })).toBe(image.digest);
  });

  it('lets anonymous clients pull but not push', async () => {
    expect(await skopeoDigest(`docker://${registry.host}/public/app:1`)).toBe(image.digest);
    await expect(pushImage(image, { host: registry.host }, 'public/app:anonymous')).rejects.toThrow(
      /unauthorized|authentication required|denied/i,
    );
  });

  it('lets a pull-only user read but not push', async () => {
    expect(await skopeoDigest(`docker://${registry.host}/public/app:1`, { auth: reader })).toBe(image.digest);
    await expect(pushImage(image, registry, 'public/app:reader', reader)).rejects.toThrow(/unauthorized|authentication required|denied/i);
  });

  it('leaves a given token server running after stop', async () => {
    const second = await startDistribution({ auth: 'token', users: [tester, reader], token: tokenServer });
    expect(second.token).toBe(tokenServer);
    await second.stop();

    const response = await fetch(`${tokenServer.realm}?service=${tokenServer.service}`);
    expect(response.status).toBe(200);
  });
});

describe('registry with token auth and TLS', () => {
  const registry = useDistribution({ auth: 'token', tls: true });

  it('round-trips an image over HTTPS with tokens', async () => {
    expect(registry().url).toMatch(/^https:/);
    expect(await pushImage(image, registry(), 'apps/secure:1')).toBe(image.digest);
    expect(await skopeoDigest(`docker://${registry().host}/apps/secure:1`, registryTarget(registry()))).toBe(image.digest);
  });
});
