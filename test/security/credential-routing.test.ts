/**
 * Credentials reach only the registry they belong to. A strict undici
 * MockAgent plays the registry and every other host, refuses the network,
 * and records the headers of each request, so the tests see exactly which
 * host got an `Authorization` header and which host was never contacted.
 */
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

import { getBlob } from '../../src/registry/blobs.js';
import { getManifest, headManifest } from '../../src/registry/manifests.js';
import { parseReference, parseRepository } from '../../src/registry/reference.js';
import { listTags } from '../../src/registry/tags.js';
import { createTransport, type TransportOptions } from '../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../src/registry/transport-types.js';
import { uploadBlob } from '../../src/registry/uploads.js';
import { MediaType } from '../../src/registry/wire.js';

const USER = 'deployer';
const PASSWORD = 'hunter2-registry-secret';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const TOKEN = 'tok-3f9a8c7e-issued-for-registry';
const DIGEST = `sha256:${'d4'.repeat(32)}`;
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: DIGEST, size: 2 }, layers: [] });

/** A request one of the mock hosts received. */
interface Seen {
  origin: string;
  method: string;
  path: string;
  authorization: string | undefined;
}

type Answer = { status: number; body?: string; headers?: Record<string, string> };
type Handler = (request: Seen) => Answer;

let agent: MockAgent;
let transport: RegistryTransport;
let seen: Seen[];

function headerOf(headers: unknown, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (Array.isArray(headers)) {
    for (let index = 0; index < headers.length; index += 2) {
      if (String(headers[index]).toLowerCase() === name) return String(headers[index + 1]);
    }
    return undefined;
  }
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const entry = Object.entries(headers as Record<string, string>).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/**
 * Starts a MockAgent that sends every request to `origin` to its handler; the
 * network stays closed. Origins in `tlsFails` fail as a plain-HTTP server
 * fails a TLS handshake.
 */
function hosts(handlers: Record<string, Handler>, options: Partial<TransportOptions> = {}, tlsFails: string[] = []): void {
  agent = new MockAgent();
  agent.disableNetConnect();
  seen = [];
  for (const origin of tlsFails) {
    const failure = Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    agent.get(origin).intercept({ path: () => true, method: () => true }).replyWithError(failure).persist();
  }
  for (const [origin, handler] of Object.entries(handlers)) {
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((request) => {
        const record: Seen = { origin, method: request.method, path: request.path, authorization: headerOf(request.headers, 'authorization') };
        seen.push(record);
        const answer = handler(record);
        return { statusCode: answer.status, data: answer.body ?? '', responseOptions: { headers: answer.headers ?? {} } };
      })
      .persist();
  }
  transport = createTransport({
    dispatcher: agent,
    credentials: { get: async (registry) => (registry === 'registry.example' ? { username: USER, password: PASSWORD } : undefined) },
    retry: { maxAttempts: 1 },
    env: {},
    ...options,
  });
}

afterEach(async () => {
  await transport?.close();
  await agent?.close();
});

/** Creates a registry handler with Basic auth that responds with `answer` once the credentials are right. */
function basicRegistry(answer: Handler): Handler {
  return (request) => {
    if (request.authorization !== BASIC) return { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } };
    return answer(request);
  };
}

/** Creates a registry handler with bearer auth at `realm` that accepts only {@link TOKEN}. */
function bearerRegistry(realm: string, answer: Handler): Handler {
  return (request) => {
    if (request.authorization !== `Bearer ${TOKEN}`) {
      return { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="registry.example"` } };
    }
    return answer(request);
  };
}

const tokenServer: Handler = () => ({ status: 200, body: JSON.stringify({ token: TOKEN }), headers: { 'content-type': 'application/json' } });

const manifestAnswer: Handler = () => ({ status: 200, body: MANIFEST, headers: { 'content-type': MediaType.ociManifest } });

function authorizationsOf(origin: string): Array<string | undefined> {
  return seen.filter((request) => request.origin === origin).map((request) => request.authorization);
}

describe('credentials and redirects', () => {
  it('sends no Authorization to a blob storage redirect on another host', async () => {
    const blob = Buffer.from('layer');
    const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(blob).digest('hex')}`;
    hosts({
      'https://registry.example': basicRegistry(() => ({ status: 307, headers: { location: 'https://storage.example/blobs/abc?X-Amz-Signature=s3cr3t' } })),
      'https://storage.example': () => ({ status: 200, body: 'layer', headers: { 'content-length': '5' } }),
    });

    const download = await getBlob(transport, parseRepository('registry.example/app'), digest);
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);

    expect(Buffer.concat(chunks).toString()).toBe('layer');
    expect(authorizationsOf('https://registry.example').at(-1)).toBe(BASIC);
    expect(authorizationsOf('https://storage.example')).toEqual([undefined]);
  });

  it('sends no Authorization to an upload location on another host', async () => {
    const blob = Buffer.from('x'.repeat(10));
    const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(blob).digest('hex')}`;
    hosts({
      'https://registry.example': basicRegistry((request) =>
        request.method === 'HEAD' ? { status: 404 } : { status: 202, headers: { location: 'https://uploads.example/session/1?_state=abc' } },
      ),
      'https://uploads.example': () => ({ status: 201, headers: { 'docker-content-digest': digest } }),
    });

    await uploadBlob(transport, parseRepository('registry.example/app'), blob, { digest }).catch(() => undefined);

    expect(authorizationsOf('https://uploads.example').length).toBeGreaterThan(0);
    expect(authorizationsOf('https://uploads.example').every((value) => value === undefined)).toBe(true);
  });

  it('rejects a redirect to plain HTTP on a remote host before connecting', async () => {
    hosts({
      'https://registry.example': basicRegistry(() => ({ status: 307, headers: { location: 'http://storage.example/blobs/abc' } })),
      'http://storage.example': () => ({ status: 200 }),
    });

    await expect(getBlob(transport, parseRepository('registry.example/app'), DIGEST)).rejects.toMatchObject({
      code: 'INSECURE_SCHEME',
      message: expect.stringContaining('uses plain HTTP'),
    });
    expect(authorizationsOf('http://storage.example')).toEqual([]);
  });

  it.each(['169.254.169.254', 'metadata.google.internal', '[fe80::1]'])('rejects a redirect to %s before connecting', async (host) => {
    hosts({ 'https://registry.example': basicRegistry(() => ({ status: 307, headers: { location: `https://${host}/latest/meta-data/` } })) });

    await expect(getBlob(transport, parseRepository('registry.example/app'), DIGEST)).rejects.toMatchObject({ code: 'BLOCKED_HOST' });
    expect(seen.every((request) => request.origin === 'https://registry.example')).toBe(true);
  });
});

describe('credentials and token realms', () => {
  it('sends Basic credentials to a realm on the registry host', async () => {
    hosts({
      'https://registry.example': (request) =>
        request.path.startsWith('/token') ? tokenServer(request) : bearerRegistry('https://registry.example/token', manifestAnswer)(request),
    });

    await getManifest(transport, parseReference('registry.example/app:1'));

    expect(seen.filter((request) => request.path.startsWith('/token')).map((request) => request.authorization)).toEqual([BASIC]);
  });

  it('asks a realm on another host for an anonymous token', async () => {
    hosts({
      'https://registry.example': bearerRegistry('https://auth.other.example/token', manifestAnswer),
      'https://auth.other.example': tokenServer,
    });

    await getManifest(transport, parseReference('registry.example/app:1'));

    expect(authorizationsOf('https://auth.other.example')).toEqual([undefined]);
  });

  it('sends credentials to a realm on another host listed as trusted', async () => {
    hosts(
      {
        'https://registry.example': bearerRegistry('https://auth.other.example/token', manifestAnswer),
        'https://auth.other.example': tokenServer,
      },
      { trustedRealmHosts: ['auth.other.example'] },
    );

    await getManifest(transport, parseReference('registry.example/app:1'));

    expect(authorizationsOf('https://auth.other.example')).toEqual([BASIC]);
  });

  it('rejects a plain-HTTP realm on a remote host before connecting', async () => {
    hosts({
      'https://registry.example': bearerRegistry('http://auth.other.example/token', manifestAnswer),
      'http://auth.other.example': tokenServer,
    });

    await expect(headManifest(transport, parseReference('registry.example/app:1'))).rejects.toMatchObject({
      code: 'INSECURE_SCHEME',
      message: expect.stringContaining('the token realm of registry.example uses plain HTTP'),
    });
    expect(authorizationsOf('http://auth.other.example')).toEqual([]);
  });

  it('rejects a realm on a metadata address before connecting', async () => {
    hosts({ 'https://registry.example': bearerRegistry('http://169.254.169.254/token', manifestAnswer) });

    await expect(headManifest(transport, parseReference('registry.example/app:1'))).rejects.toMatchObject({ code: 'BLOCKED_HOST' });
    expect(seen.every((request) => request.origin === 'https://registry.example')).toBe(true);
  });
});

describe('credentials and plain HTTP', () => {
  it('never sends a remote registry request over plain HTTP unless marked insecure', async () => {
    hosts({ 'http://registry.example': basicRegistry(manifestAnswer) }, {}, ['https://registry.example']);

    await expect(headManifest(transport, parseReference('registry.example/app:1'))).rejects.toMatchObject({ code: 'TLS_HANDSHAKE' });
    expect(authorizationsOf('http://registry.example')).toEqual([]);
  });

  it('uses plain HTTP for a registry marked insecure', async () => {
    hosts({ 'http://registry.example': basicRegistry(manifestAnswer) }, { insecureRegistries: ['registry.example'] }, ['https://registry.example']);

    await headManifest(transport, parseReference('registry.example/app:1'));

    expect(authorizationsOf('http://registry.example').at(-1)).toBe(BASIC);
  });

  it('follows tag list pages only on the origin that sent them', async () => {
    hosts({
      'https://registry.example': basicRegistry(() => ({
        status: 200,
        body: JSON.stringify({ name: 'app', tags: ['1'] }),
        headers: { 'content-type': 'application/json', link: '<https://collector.example/v2/app/tags/list?last=1>; rel="next"' },
      })),
      'https://collector.example': () => ({ status: 200, body: '{}' }),
    });

    await expect(listTags(transport, parseRepository('registry.example/app'))).rejects.toMatchObject({ code: 'CROSS_ORIGIN_LINK' });
    expect(authorizationsOf('https://collector.example')).toEqual([]);
  });
});
