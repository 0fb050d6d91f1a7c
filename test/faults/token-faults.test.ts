/**
 * Publish against CNCF Distribution with token auth, while the token server
 * behind the fault proxy fails once. The publish either gets its token on a
 * retry or fails with a typed auth error. Either way the registry keeps no
 * half-written release, and a second run finishes it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { publish } from '../../src/release/publish.js';
import { DEFAULT_USERS, startDistribution, type Distribution } from '../support/distribution.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { pushImage, registryTarget, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { HEADERS_TIMEOUT_MS, SLOW_ANSWER_MS, describeError, settle } from './scenario.js';

const USER = DEFAULT_USERS[0] as { username: string; password: string };

let token: TokenServer;
let proxy: FaultProxy;
let registry: Distribution;
let layout: string;
let image: BuiltImage;

beforeAll(async () => {
  token = await startTokenServer({ users: [...DEFAULT_USERS] });
  proxy = await startFaultProxy({ upstream: new URL(token.realm).origin });
  // The registry names the proxy as its realm, so every token request crosses it.
  registry = await startDistribution({ auth: 'token', token: { ...token, realm: `${proxy.url}/token`, stop: token.stop } });
  layout = await makeTempDir('faults-token');
  image = await buildImage(join(layout, 'oci'), 'app', { seed: 'token-faults' });
  await pushImage(image, registry, 'staging/app:1');
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await proxy?.stop();
  await token?.stop();
  await removeDir(layout);
});

function tokenClient(): RegistryClient {
  return new RegistryClient({
    credentials: { get: async () => ({ ...USER }) },
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    timeouts: { headersMs: HEADERS_TIMEOUT_MS, bodyMs: HEADERS_TIMEOUT_MS },
    env: {},
  });
}

async function tagsOf(repository: string): Promise<Record<string, string>> {
  const target = registryTarget(registry);
  let tags: string[];
  try {
    tags = await skopeoListTags(`docker://${registry.host}/${repository}`, target);
  } catch {
    return {};
  }
  const entries = await Promise.all(tags.map(async (tag) => [tag, await skopeoDigest(`docker://${registry.host}/${repository}:${tag}`, target)] as const));
  return Object.fromEntries(entries);
}

const TOKEN_FAULTS: Array<{ name: string; fault: Fault }> = [
  { name: '503', fault: { kind: 'status', status: 503 } },
  { name: '500', fault: { kind: 'status', status: 500 } },
  { name: '429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: '1' } },
  { name: 'reset before the body', fault: { kind: 'reset-before-body' } },
  { name: 'slow answer', fault: { kind: 'delay', delayMs: SLOW_ANSWER_MS } },
  { name: 'truncated body', fault: { kind: 'truncate-body' } },
  { name: 'altered body', fault: { kind: 'corrupt-body' } },
];

describe('token server failing once', { timeout: 60_000 }, () => {
  it.each(TOKEN_FAULTS)('$name: publish retries or fails typed, then finishes', async ({ name, fault }) => {
    const repository = `acme/token-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const complete = {
      '1': image.digest,
      '1-debian-12': image.digest,
      '1.0.0': image.digest,
      '1.0.0-debian-12-r0': image.digest,
      latest: image.digest,
    };
    const run = async () => {
      const client = tokenClient();
      try {
        return await publish({ client, source: `${registry.host}/staging/app:1`, target: `${registry.host}/${repository}`, version: '1.0.0', distro: 'debian-12' });
      } finally {
        await client.close();
      }
    };
    proxy.setRules([{ name, method: 'GET', path: /^\/token/, fault }]);

    const first = await settle(run);
    const injected = proxy.injected()[name] ?? 0;
    proxy.setRules([]);

    expect(injected).toBe(1);
    if (!first.ok) {
      expect(isTagkeeperError(first.error), describeError(first.error)).toBe(true);
      expect(describeError(first.error)).not.toContain(USER.password);
    }
    const afterFault = await tagsOf(repository);
    for (const [tag, digest] of Object.entries(afterFault)) {
      expect(complete[tag as keyof typeof complete], `${tag} -> ${digest}`).toBe(digest);
    }

    const second = await settle(run);
    expect(second.ok, second.ok ? '' : describeError(second.error)).toBe(true);
    expect(await tagsOf(repository)).toEqual(complete);
  });
});
