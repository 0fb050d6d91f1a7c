import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HTPASSWD_REALM, startDistribution } from '../support/distribution.js';
import { checkUsers } from '../support/htpasswd.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, registryTarget, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

function getApiRoot(url: string, authorization?: string): Promise<{ status?: number; challenge?: string }> {
  return new Promise((resolve, reject) => {
    const headers = authorization === undefined ? {} : { authorization };
    const sent = request(`${url}/v2/`, { agent: false, headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode, challenge: response.headers['www-authenticate'] });
    });
    sent.on('error', reject);
    sent.end();
  });
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

const tester = { username: 'tester', password: 's3cret-pass' };
const releaseBot = { username: 'release-bot', password: 'p@ss:with;punctuation "quoted"' };
const users = [tester, releaseBot];

describe('registry with htpasswd auth', () => {
  const registry = useDistribution({ auth: 'htpasswd', users });
  let layout: string;
  let image: BuiltImage;

  beforeAll(async () => {
    layout = await makeTempDir('htpasswd-layout');
    image = await buildImage(layout, 'v1', { seed: 'htpasswd' });
  });

  afterAll(async () => {
    await removeDir(layout);
  });

  it('challenges anonymous requests with Basic', async () => {
    const response = await getApiRoot(registry().url);

    expect(response.status).toBe(401);
    expect(response.challenge).toBe(`Basic realm="${HTPASSWD_REALM}"`);
  });

  it.each(users)('accepts the password of $username', async ({ username, password }) => {
    expect((await getApiRoot(registry().url, basic(username, password))).status).toBe(200);
  });

  it.each([
    ['a wrong password', 'tester', 'wrong-pass'],
    ['an unknown user', 'intruder', 's3cret-pass'],
    ['an empty password', 'tester', ''],
  ])('rejects %s', async (_case, username, password) => {
    expect((await getApiRoot(registry().url, basic(username, password))).status).toBe(401);
  });

  it('pushes as the first user when no credentials are given', async () => {
    expect(await pushImage(image, registry(), 'apps/basic:1')).toBe(image.digest);

    const target = { auth: tester };
    expect(await skopeoDigest(`docker://${registry().host}/apps/basic:1`, target)).toBe(image.digest);
    expect(await skopeoListTags(`docker://${registry().host}/apps/basic`, target)).toEqual(['1']);
  });

  it('pushes and reads as another user', async () => {
    expect(await pushImage(image, registry(), 'apps/basic:2', releaseBot)).toBe(image.digest);
    expect(await skopeoDigest(`docker://${registry().host}/apps/basic:2`, registryTarget(registry(), releaseBot))).toBe(image.digest);
  });

  it('rejects skopeo without credentials', async () => {
    await expect(skopeoListTags(`docker://${registry().host}/apps/basic`)).rejects.toThrow(/unauthorized|authentication required/i);
  });

  it('rejects a wrong password without printing it', async () => {
    const wrong = { username: 'tester', password: 'Wr0ng-Secret-Value' };
    let thrown: unknown;
    try {
      await skopeoListTags(`docker://${registry().host}/apps/basic`, { auth: wrong });
    } catch (error) {
      thrown = error;
    }

    expect((thrown as { code?: string }).code).toBe('COMMAND_FAILED');
    expect((thrown as Error).message).toMatch(/unauthorized|authentication required/i);
    expect((thrown as Error).message).toContain('--creds tester:***');
    expect((thrown as Error).message).not.toContain(wrong.password);
  });
});

describe('htpasswd users', () => {
  it.each([
    ['no users', []],
    ['an empty username', [{ username: '', password: 'x' }]],
    ['a colon in a username', [{ username: 'a:b', password: 'x' }]],
    ['a repeated username', [{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }]],
    ['an empty password', [{ username: 'a', password: '' }]],
    ['a line break in a password', [{ username: 'a', password: 'x\ny' }]],
    ['a password over 72 bytes', [{ username: 'a', password: 'p'.repeat(73) }]],
  ])('rejects %s', (_case, invalid) => {
    expect(() => checkUsers(invalid)).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OPTIONS' }));
  });

  it('rejects invalid users before starting a registry', async () => {
    await expect(startDistribution({ auth: 'htpasswd', users: [{ username: 'a:b', password: 'x' }] })).rejects.toThrow(
      /username "a:b" is invalid/,
    );
  });

  it('rejects an unknown auth mode', async () => {
    const options = { auth: 'oauth' } as unknown as Parameters<typeof startDistribution>[0];
    await expect(startDistribution(options)).rejects.toThrow(/auth "oauth" is invalid/);
  });
});
