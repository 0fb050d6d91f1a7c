import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthenticationError, RegistryError, isNotFoundError } from '../../../src/registry/errors.js';
import { createTransport, errorFromResponse } from '../../../src/registry/transport/index.js';
import type { TransportOptions } from '../../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../../src/registry/transport-types.js';
import { buildImage } from '../../support/oci-layout.js';
import { freePort } from '../../support/ports.js';
import type { BuiltImage } from '../../support/oci-layout.js';
import { useDistribution } from '../../support/registry-fixture.js';
import { pushImage, skopeoDigest } from '../../support/skopeo.js';
import { makeTempDir, removeDir } from '../../support/temp.js';
import { staticCredentials } from './mock-transport.js';
import { getManifest, listTags, pushBlob, sha256 } from './registry-operations.js';

/** Creates a transport with fast retries that records its debug lines. */
function transportFor(options: TransportOptions = {}): { transport: RegistryTransport; lines: string[] } {
  const lines: string[] = [];
  const transport = createTransport({
    credentials: staticCredentials({}),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    env: {},
    debug: (line) => lines.push(line),
    ...options,
  });
  return { transport, lines };
}

let layout: string;
let image: BuiltImage;

beforeAll(async () => {
  layout = await makeTempDir('transport-layout');
  image = await buildImage(layout, 'v1', { seed: 'transport', layers: [{ files: { 'etc/release': 'transport test\n' } }] });
});

afterAll(async () => {
  await removeDir(layout);
});

describe('anonymous registry over plain HTTP on loopback', () => {
  const registry = useDistribution();

  it('reads a manifest that skopeo pushed', async () => {
    await pushImage(image, registry(), 'app/anonymous:1.0');
    const { transport, lines } = transportFor();

    const manifest = await getManifest(transport, registry().host, 'app/anonymous', '1.0');
    await transport.close();

    expect(manifest.status).toBe(200);
    expect(sha256(manifest.bytes)).toBe(image.digest);
    expect(manifest.digest).toBe(image.digest);
    expect(lines[0]).toMatch(/^#1 GET https:\/\/127\.0\.0\.1:\d+\/v2\/ -> failed \(ERR_SSL_[A-Z_]+\)/);
    expect(lines[1]).toMatch(/^#2 GET http:\/\/127\.0\.0\.1:\d+\/v2\/ -> 200/);
  });

  it('returns a 404 on HEAD that errorFromResponse names', async () => {
    const { transport } = transportFor();
    const reference = `${registry().host}/app/anonymous:missing`;

    const response = await transport.request(registry().host, {
      method: 'HEAD',
      url: '/v2/app/anonymous/manifests/missing',
      scopes: [{ repository: 'app/anonymous', actions: ['pull'] }],
    });
    const error = await errorFromResponse(response, { reference });
    await transport.close();

    expect(response.status).toBe(404);
    expect(isNotFoundError(error)).toBe(true);
    expect(error.message).toContain(reference);
  });

  it.each([{ stream: false }, { stream: true }])('uploads a blob with stream=$stream at the absolute Location', async ({ stream }) => {
    const { transport } = transportFor();
    const content = Buffer.from(`blob content, stream=${String(stream)}`);

    const pushed = await pushBlob(transport, registry().host, 'app/uploads', content, { stream });
    const check = await transport.request(registry().host, {
      method: 'HEAD',
      url: `/v2/app/uploads/blobs/${pushed.digest}`,
      scopes: [{ repository: 'app/uploads', actions: ['pull'] }],
    });
    await check.body.text();
    await transport.close();

    expect(pushed.status).toBe(201);
    expect(check.status).toBe(200);
    expect(check.headers['content-length']).toBe(String(content.length));
  });

  it('puts a manifest that skopeo reads back with the same digest', async () => {
    const { transport } = transportFor();
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    await pushBlob(transport, registry().host, 'app/manifest', config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [],
      }),
    );

    const put = await transport.request(registry().host, {
      method: 'PUT',
      url: '/v2/app/manifest/manifests/2.0',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
      scopes: [{ repository: 'app/manifest', actions: ['pull', 'push'] }],
    });
    await put.body.text();
    await transport.close();

    expect(put.status).toBe(201);
    expect(await skopeoDigest(`docker://${registry().host}/app/manifest:2.0`, { tlsVerify: false })).toBe(sha256(manifest));
  });

  it('throws a NETWORK error when nothing listens', async () => {
    // A port that was free a moment ago has nothing listening on it.
    const stopped = `127.0.0.1:${await freePort()}`;
    const { transport } = transportFor({ retry: { maxAttempts: 2, baseDelayMs: 1 } });

    const failure = await transport.request(stopped, { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);
    await transport.close();

    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).code).toBe('NETWORK');
    expect((failure as RegistryError).retryable).toBe(true);
    expect((failure as RegistryError).failure).toBe('connection refused');
    expect((failure as RegistryError).url).toBe(`https://${stopped}/v2/`);
    expect((failure as Error).message).toBe(`cannot connect to ${stopped} (connection refused); check that the registry is running and the address is right`);
  });
});

describe('registry with htpasswd basic auth', () => {
  const registry = useDistribution({ auth: 'htpasswd', users: [{ username: 'pusher', password: 'pusher-pass-1' }] });

  it('sends Basic credentials after the challenge, then with every request', async () => {
    const user = registry().users[0]!;
    await pushImage(image, registry(), 'app/basic:1.0', user);
    const { transport, lines } = transportFor({ credentials: staticCredentials({ [registry().host]: user }) });

    const first = await getManifest(transport, registry().host, 'app/basic', '1.0');
    const second = await getManifest(transport, registry().host, 'app/basic', '1.0');
    await transport.close();

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(sha256(second.bytes)).toBe(image.digest);
    const statuses = lines.map((line) => /-> (\S+)/.exec(line)?.[1]);
    // Probe over HTTPS (fails), probe over HTTP (401), GET with credentials (200), GET with credentials at once (200).
    expect(statuses).toEqual([expect.stringMatching(/^failed/), '401', '200', '200']);
  });

  it('returns a 401 for a wrong password', async () => {
    const { transport } = transportFor({ credentials: staticCredentials({ [registry().host]: { username: 'pusher', password: 'not-the-password' } }) });

    const response = await listTags(transport, registry().host, 'app/basic');
    const error = await errorFromResponse(response);
    await transport.close();

    expect(response.status).toBe(401);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it('throws CREDENTIALS_MISSING without credentials', async () => {
    const { transport } = transportFor();

    const failure = await listTags(transport, registry().host, 'app/basic').catch((error: unknown) => error);
    await transport.close();

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as AuthenticationError).code).toBe('CREDENTIALS_MISSING');
  });
});

describe('registry over TLS from a test CA', () => {
  const registry = useDistribution({ tls: true });

  it.each([
    { name: 'the ca option', options: (ca: string): TransportOptions => ({ ca }) },
    { name: 'hosts[host].ca', options: (ca: string, host?: string): TransportOptions => ({ hosts: { [host!]: { ca } } }) },
  ])('connects over HTTPS with the CA given as $name', async ({ options }) => {
    await pushImage(image, registry(), 'app/tls:1.0');
    const { transport, lines } = transportFor(options(registry().caCert!, registry().host));

    const manifest = await getManifest(transport, registry().host, 'app/tls', '1.0');
    await transport.close();

    expect(manifest.status).toBe(200);
    expect(sha256(manifest.bytes)).toBe(image.digest);
    expect(lines.every((line) => line.includes(' https://'))).toBe(true);
  });

  it('fails with CERTIFICATE_INVALID without the CA, and never tries HTTP', async () => {
    const { transport, lines } = transportFor();

    const failure = await getManifest(transport, registry().host, 'app/tls', '1.0').catch((error: unknown) => error);
    await transport.close();

    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).code).toBe('CERTIFICATE_INVALID');
    expect((failure as Error).message).toContain(`hosts["${registry().host}"].ca`);
    expect(lines.some((line) => line.includes(' http://'))).toBe(false);
  });
});
