import { afterEach, describe, expect, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { getManifest, headManifest, MANIFEST_ACCEPT, putManifest } from '../../src/registry/manifests.js';
import { resolvePlatform } from '../../src/registry/platform.js';
import { parseReference } from '../../src/registry/reference.js';
import { MAX_MANIFEST_BYTES, MediaType } from '../../src/registry/wire.js';
import { errorBody, mockRegistry, type MockRegistry } from './mock-registry.js';

const config = { mediaType: MediaType.ociConfig, digest: computeDigest('{}'), size: 2 };
const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [] }));
const manifestDigest = computeDigest(manifestBytes);
const path = '/v2/team/app/manifests/1.0';

let mock: MockRegistry;
afterEach(async () => {
  await mock.finish();
});

function reference(suffix = ':1.0') {
  return parseReference(`${mock.registry}/team/app${suffix}`);
}

describe('headManifest', () => {
  it('reads the descriptor from HEAD headers alone', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path, method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } })
      .reply(200, '', {
        headers: { 'docker-content-digest': manifestDigest, 'content-type': MediaType.ociManifest, 'content-length': String(manifestBytes.length) },
      });

    const descriptor = await headManifest(mock.transport, reference());
    expect(descriptor).toEqual({ mediaType: MediaType.ociManifest, digest: manifestDigest, size: manifestBytes.length });
  });

  it('falls back to GET without Docker-Content-Digest', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path, method: 'HEAD' })
      .reply(200, '', { headers: { 'content-type': MediaType.ociManifest, 'content-length': String(manifestBytes.length) } });
    mock.pool.intercept({ path, method: 'GET' }).reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest } });

    const descriptor = await headManifest(mock.transport, reference());
    expect(descriptor.digest).toBe(manifestDigest);
    expect(descriptor.size).toBe(manifestBytes.length);
  });

  it('falls back to GET when HEAD returns 405', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'HEAD' }).reply(405, '');
    mock.pool.intercept({ path, method: 'GET' }).reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest } });

    expect((await headManifest(mock.transport, reference())).digest).toBe(manifestDigest);
  });

  it('rejects a HEAD digest that differs from the requested one', async () => {
    mock = mockRegistry();
    const other = computeDigest('other');
    mock.pool
      .intercept({ path: `/v2/team/app/manifests/${manifestDigest}`, method: 'HEAD' })
      .reply(200, '', { headers: { 'docker-content-digest': other, 'content-type': MediaType.ociManifest, 'content-length': '10' } });

    await expect(headManifest(mock.transport, reference(`@${manifestDigest}`))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      expected: manifestDigest,
      actual: other,
    });
  });

  it('rejects a Docker-Content-Digest with an unknown algorithm', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path, method: 'HEAD' })
      .reply(200, '', { headers: { 'docker-content-digest': `md5:${'a'.repeat(32)}`, 'content-type': MediaType.ociManifest, 'content-length': '10' } });

    await expect(headManifest(mock.transport, reference())).rejects.toMatchObject({ code: 'INVALID_DIGEST_HEADER', name: 'InvalidResponseError' });
  });

  it('turns a plain-text 404 into NotFoundError naming the reference', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'HEAD' }).reply(404, '');
    mock.pool.intercept({ path, method: 'GET' }).reply(404, '404 page not found\n', { headers: { 'content-type': 'text/plain' } });

    await expect(headManifest(mock.transport, reference())).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    const error = await getManifest(mock.transport, reference()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'NotFoundError', rawBody: '404 page not found\n', reference: `${mock.registry}/team/app:1.0` });
    expect((error as Error).message).toContain(`${mock.registry}/team/app:1.0 not found`);
  });
});

describe('getManifest', () => {
  it('sends Accept with every manifest media type', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path, method: 'GET', headers: { accept: (value: string) => MediaType && [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifest, MediaType.dockerManifestList, MediaType.ociArtifactManifest].every((type) => value.includes(type)) } })
      .reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest, 'docker-content-digest': manifestDigest } });

    const fetched = await getManifest(mock.transport, reference());
    expect(fetched.bytes.equals(manifestBytes)).toBe(true);
    expect(fetched.descriptor).toEqual({ mediaType: MediaType.ociManifest, digest: manifestDigest, size: manifestBytes.length });
    expect(fetched.manifest).toMatchObject({ config });
  });

  it('rejects a Docker-Content-Digest that disagrees with the body', async () => {
    mock = mockRegistry();
    const other = computeDigest('tampered');
    mock.pool.intercept({ path, method: 'GET' }).reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest, 'docker-content-digest': other } });

    await expect(getManifest(mock.transport, reference())).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', expected: other, actual: manifestDigest });
  });

  it('verifies a by-digest fetch against the requested digest', async () => {
    mock = mockRegistry();
    const requested = computeDigest('something else');
    mock.pool.intercept({ path: `/v2/team/app/manifests/${requested}`, method: 'GET' }).reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest } });

    await expect(getManifest(mock.transport, reference(`@${requested}`))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', expected: requested });
  });

  it('verifies sha512 digests', async () => {
    mock = mockRegistry();
    const sha512 = computeDigest(manifestBytes, 'sha512');
    mock.pool
      .intercept({ path: `/v2/team/app/manifests/${sha512}`, method: 'GET' })
      .reply(200, manifestBytes, { headers: { 'content-type': MediaType.ociManifest, 'docker-content-digest': sha512 } });

    const fetched = await getManifest(mock.transport, reference(`@${sha512}`));
    expect(fetched.descriptor.digest).toBe(sha512);
  });

  it.each([
    ['with Content-Length', true],
    ['without Content-Length', false],
  ])('rejects a manifest over 4 MiB %s', async (_case, withLength) => {
    mock = mockRegistry();
    const big = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
    const headers: Record<string, string> = { 'content-type': MediaType.ociManifest };
    if (withLength) {
      headers['content-length'] = String(big.length);
    }
    mock.pool.intercept({ path, method: 'GET' }).reply(200, big, { headers });

    const error = await getManifest(mock.transport, reference()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvalidResponseError', code: 'RESPONSE_TOO_LARGE' });
    const size = withLength ? String(big.length) : `more than ${MAX_MANIFEST_BYTES}`;
    expect((error as Error).message).toContain(`returned a manifest of ${size} bytes, over the limit of ${MAX_MANIFEST_BYTES} bytes`);
  });

  it('accepts a manifest of exactly 4 MiB', async () => {
    mock = mockRegistry();
    const document = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [] });
    const padded = Buffer.from(document.slice(0, -1) + ' '.repeat(MAX_MANIFEST_BYTES - document.length) + '}');
    expect(padded.length).toBe(MAX_MANIFEST_BYTES);
    mock.pool.intercept({ path, method: 'GET' }).reply(200, padded, { headers: { 'content-type': MediaType.ociManifest } });

    expect((await getManifest(mock.transport, reference())).descriptor.size).toBe(MAX_MANIFEST_BYTES);
  });

  const mediaTypeCases: Array<[string, object, string | undefined, string]> = [
    ['the body mediaType over Content-Type', { schemaVersion: 2, mediaType: MediaType.dockerManifest, config, layers: [] }, 'application/json', MediaType.dockerManifest],
    ['Content-Type with parameters when the body has none', { schemaVersion: 2, config, layers: [] }, `${MediaType.ociManifest}; charset=utf-8`, MediaType.ociManifest],
    ['an OCI index recognised by its manifests', { schemaVersion: 2, manifests: [] }, 'application/json', MediaType.ociIndex],
  ];

  it.each(mediaTypeCases)('takes %s', async (_case, document, contentType, expected) => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'GET' }).reply(200, JSON.stringify(document), { headers: contentType ? { 'content-type': contentType } : {} });

    expect((await getManifest(mock.transport, reference())).descriptor.mediaType).toBe(expected);
  });

  const unusable: Array<[string, string, string, RegExp]> = [
    ['an unknown media type', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example+json' }), 'application/vnd.example+json', /unsupported media type "application\/vnd.example\+json"/],
    ['schema 1', JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws', /schema 1 is not supported/],
    ['an HTML page', '<html>login</html>', 'text/html', /not valid JSON/],
    ['a body that fails its schema', JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, layers: [] }), MediaType.ociManifest, /does not match its schema \(config/],
    ['no type at all', JSON.stringify({ schemaVersion: 2 }), 'application/json', /its type is unknown/],
  ];

  it.each(unusable)('rejects %s clearly', async (_case, body, contentType, reason) => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'GET' }).reply(200, body, { headers: { 'content-type': contentType } });

    const error = await getManifest(mock.transport, reference()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvalidResponseError', code: 'INVALID_MANIFEST' });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain(`GET ${mock.origin}${path}`);
  });
});

describe('putManifest', () => {
  it('sends Content-Type and returns the digest', async () => {
    mock = mockRegistry();
    mock.pool
      .intercept({ path, method: 'PUT', headers: { 'content-type': MediaType.ociManifest }, body: (body: unknown) => Buffer.from(body as Uint8Array).equals(manifestBytes) })
      .reply(201, '', { headers: { 'docker-content-digest': manifestDigest, location: `/v2/team/app/manifests/${manifestDigest}` } });

    expect(await putManifest(mock.transport, reference(), manifestBytes, MediaType.ociManifest)).toBe(manifestDigest);
  });

  it('rejects a registry digest that differs from the bytes', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'PUT' }).reply(201, '', { headers: { 'docker-content-digest': computeDigest('x') } });

    await expect(putManifest(mock.transport, reference(), manifestBytes, MediaType.ociManifest)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it.each([
    ['a digest that does not match the bytes', `@${computeDigest('x')}`, MediaType.ociManifest, 'DIGEST_MISMATCH'],
    ['a media type that differs from the body', ':1.0', MediaType.dockerManifest, 'INVALID_MANIFEST'],
    ['a media type that is not a manifest', ':1.0', 'application/json', 'INVALID_MANIFEST'],
    ['a reference without tag or digest', '', MediaType.ociManifest, 'INVALID_REFERENCE'],
  ])('rejects %s before any request', async (_case, suffix, mediaType, code) => {
    mock = mockRegistry();
    await expect(putManifest(mock.transport, reference(suffix), manifestBytes, mediaType)).rejects.toMatchObject({ code });
  });
});

describe('resolvePlatform', () => {
  const child = (digestSeed: string, platform: object) => ({ mediaType: MediaType.ociManifest, digest: computeDigest(digestSeed), size: 100, platform });
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      child('amd64', { os: 'linux', architecture: 'amd64' }),
      child('armv6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
      child('armv7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
      child('arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      child('attestation', { os: 'unknown', architecture: 'unknown' }),
    ],
  };

  it.each([
    [{ os: 'linux', architecture: 'amd64' }, 'amd64'],
    [{ os: 'linux', architecture: 'x86_64' }, 'amd64'],
    [{ os: 'linux', architecture: 'arm64' }, 'arm64'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'armv7'],
    [{ os: 'linux', architecture: 'arm' }, 'armv6'],
  ])('picks the child for %j', async (platform, seed) => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'GET' }).reply(200, JSON.stringify(index), { headers: { 'content-type': MediaType.ociIndex } });

    expect((await resolvePlatform(mock.transport, reference(), platform)).digest).toBe(computeDigest(seed));
  });

  it('lists the available platforms when none matches', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'GET' }).reply(200, JSON.stringify(index), { headers: { 'content-type': MediaType.ociIndex } });

    const error = await resolvePlatform(mock.transport, reference(), { os: 'windows', architecture: 'amd64' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
    expect((error as Error).message).toBe(
      `${mock.registry}/team/app:1.0 has no manifest for platform windows/amd64; available platforms: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8`,
    );
  });

  it('checks a single image against its config', async () => {
    mock = mockRegistry();
    const configBytes = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'arm64', rootfs: { type: 'layers', diff_ids: [] } }));
    const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { ...config, digest: computeDigest(configBytes), size: configBytes.length }, layers: [] }));
    for (let round = 0; round < 2; round += 1) {
      mock.pool.intercept({ path, method: 'GET' }).reply(200, image, { headers: { 'content-type': MediaType.ociManifest } });
      mock.pool.intercept({ path: `/v2/team/app/blobs/${computeDigest(configBytes)}`, method: 'GET' }).reply(200, configBytes);
    }

    expect((await resolvePlatform(mock.transport, reference(), { os: 'linux', architecture: 'arm64' })).digest).toBe(computeDigest(image));
    await expect(resolvePlatform(mock.transport, reference(), { os: 'linux', architecture: 'amd64' })).rejects.toThrow(/available platforms: linux\/arm64$/);
  });

  it('returns 404 for a missing repository as NotFoundError', async () => {
    mock = mockRegistry();
    mock.pool.intercept({ path, method: 'GET' }).reply(404, errorBody('NAME_UNKNOWN', 'repository name not known to registry'));

    await expect(resolvePlatform(mock.transport, reference(), { os: 'linux', architecture: 'amd64' })).rejects.toMatchObject({ name: 'NotFoundError', code: 'NAME_UNKNOWN' });
  });
});
