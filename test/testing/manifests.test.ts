import { describe, expect, it } from 'vitest';

import { MAX_MANIFEST_BYTES, MediaType } from '../../src/registry/wire.js';
import {
  ACCEPT_ALL_MANIFESTS,
  errorCodes,
  header,
  pushBlob,
  pushImage,
  pushIndex,
  putManifest,
  send,
  sha512,
  startRegistry,
} from './helpers.js';

const ZERO_DIGEST = `sha256:${'0'.repeat(64)}`;

describe('manifest GET and HEAD', () => {
  it('serves the exact bytes by tag and by digest', async () => {
    const registry = await startRegistry();
    const pushed = await pushImage(registry, 'app', '1.0');

    for (const reference of ['1.0', pushed.digest]) {
      const reply = await send(registry, 'GET', `/v2/app/manifests/${reference}`, { headers: { accept: ACCEPT_ALL_MANIFESTS } });

      expect(reply.status).toBe(200);
      expect(reply.body.equals(pushed.bytes)).toBe(true);
      expect(header(reply, 'content-type')).toBe(MediaType.ociManifest);
      expect(header(reply, 'docker-content-digest')).toBe(pushed.digest);
      expect(header(reply, 'content-length')).toBe(String(pushed.bytes.length));
      expect(header(reply, 'etag')).toBe(`"${pushed.digest}"`);
    }
  });

  it('responds to HEAD with the headers of GET and no body', async () => {
    const registry = await startRegistry();
    const pushed = await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'HEAD', '/v2/app/manifests/1.0', { headers: { accept: MediaType.ociManifest } });

    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(0);
    expect(header(reply, 'content-length')).toBe(String(pushed.bytes.length));
    expect(header(reply, 'docker-content-digest')).toBe(pushed.digest);
  });

  it('responds with 304 when If-None-Match has the digest', async () => {
    const registry = await startRegistry();
    const pushed = await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'GET', '/v2/app/manifests/1.0', {
      headers: { accept: ACCEPT_ALL_MANIFESTS, 'if-none-match': `"${pushed.digest}"` },
    });

    expect(reply.status).toBe(304);
    expect(reply.body.length).toBe(0);
  });

  it.each([
    ['an unknown tag', '/v2/app/manifests/2.0', 404, 'MANIFEST_UNKNOWN'],
    ['an unknown digest', `/v2/app/manifests/${ZERO_DIGEST}`, 404, 'MANIFEST_UNKNOWN'],
    ['an unknown repository', '/v2/other/manifests/1.0', 404, 'MANIFEST_UNKNOWN'],
    ['a digest of the wrong length', '/v2/app/manifests/sha256:abc', 400, 'DIGEST_INVALID'],
    ['a digest with upper-case hex', `/v2/app/manifests/sha256:${'A'.repeat(64)}`, 400, 'DIGEST_INVALID'],
    ['an unknown algorithm', `/v2/app/manifests/md5:${'0'.repeat(32)}`, 400, 'DIGEST_INVALID'],
    ['a tag starting with a dash', '/v2/app/manifests/-1.0', 400, 'TAG_INVALID'],
    ['a tag of 129 characters', `/v2/app/manifests/${'a'.repeat(129)}`, 400, 'TAG_INVALID'],
  ])('responds to %s with %i %s', async (_case, path, status, code) => {
    const registry = await startRegistry();
    await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'GET', path, { headers: { accept: ACCEPT_ALL_MANIFESTS } });

    expect(reply.status).toBe(status);
    expect(errorCodes(reply)).toEqual([code]);
  });
});

describe('manifest Accept negotiation like Distribution 2.8', () => {
  it.each([
    ['an OCI manifest by tag', 'oci-image', 'tag', '*/*', 404, 'MANIFEST_UNKNOWN'],
    ['an OCI manifest by digest', 'oci-image', 'digest', '', 404, 'MANIFEST_UNKNOWN'],
    ['an OCI manifest with its type listed', 'oci-image', 'tag', MediaType.ociManifest, 200, undefined],
    ['an OCI index by tag', 'oci-index', 'tag', MediaType.ociManifest, 404, 'MANIFEST_UNKNOWN'],
    ['an OCI index with its type listed', 'oci-index', 'tag', `${MediaType.ociIndex};q=0.9`, 200, undefined],
    ['a Docker manifest by tag', 'docker-image', 'tag', MediaType.ociManifest, 400, 'MANIFEST_INVALID'],
    ['a Docker manifest by digest', 'docker-image', 'digest', '', 200, undefined],
    ['a Docker manifest list by digest', 'docker-list', 'digest', '', 200, undefined],
  ])('responds to %s under Accept "%s"', async (_case, kind, by, accept, status, code) => {
    const registry = await startRegistry();
    const docker = kind.startsWith('docker');
    const amd64 = await pushImage(registry, 'app', 'amd64', { mediaTypes: docker ? 'docker' : 'oci' });
    const arm64 = await pushImage(registry, 'app', 'arm64', { mediaTypes: docker ? 'docker' : 'oci' });
    const target = kind.endsWith('image')
      ? amd64
      : await pushIndex(registry, 'app', 'multi', [amd64, arm64], { mediaTypes: docker ? 'docker' : 'oci' });
    const tag = kind.endsWith('image') ? 'amd64' : 'multi';

    const reply = await send(registry, 'GET', `/v2/app/manifests/${by === 'tag' ? tag : target.digest}`, {
      headers: accept ? { accept } : {},
    });

    expect(reply.status).toBe(status);
    if (code) {
      expect(errorCodes(reply)).toEqual([code]);
    } else {
      expect(reply.body.equals(target.bytes)).toBe(true);
    }
  });

  it('serves linux/amd64 of a Docker list fetched by tag', async () => {
    const registry = await startRegistry();
    const arm64 = await pushImage(registry, 'app', 'arm64', { mediaTypes: 'docker' });
    const amd64 = await pushImage(registry, 'app', 'amd64', { mediaTypes: 'docker' });
    await pushIndex(registry, 'app', 'multi', [arm64, amd64], {
      mediaTypes: 'docker',
      platforms: [
        { os: 'linux', architecture: 'arm64' },
        { os: 'linux', architecture: 'amd64' },
      ],
    });

    const reply = await send(registry, 'GET', '/v2/app/manifests/multi', { headers: { accept: MediaType.dockerManifest } });

    expect(reply.status).toBe(200);
    expect(header(reply, 'docker-content-digest')).toBe(amd64.digest);
    expect(reply.body.equals(amd64.bytes)).toBe(true);
  });

  it('responds with 404 for a list without linux/amd64', async () => {
    const registry = await startRegistry();
    const arm64 = await pushImage(registry, 'app', 'arm64', { mediaTypes: 'docker' });
    await pushIndex(registry, 'app', 'multi', [arm64], { mediaTypes: 'docker', platforms: [{ os: 'linux', architecture: 'arm64' }] });

    const reply = await send(registry, 'GET', '/v2/app/manifests/multi', { headers: { accept: MediaType.dockerManifest } });

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('serves the stored manifest to any Accept with negotiation off', async () => {
    const registry = await startRegistry({ acceptNegotiation: 'none' });
    const pushed = await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'GET', '/v2/app/manifests/1.0');

    expect(reply.status).toBe(200);
    expect(reply.body.equals(pushed.bytes)).toBe(true);
  });
});

describe('manifest PUT', () => {
  it('responds with 201, Location and digest, and moves the tag', async () => {
    const registry = await startRegistry();
    const first = await pushImage(registry, 'app', 'latest', { seed: 'one' });
    const second = await pushImage(registry, 'app', 'v2', { seed: 'two' });

    const reply = await send(registry, 'PUT', '/v2/app/manifests/latest', {
      body: second.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(201);
    expect(header(reply, 'location')).toBe(`${registry.url}/v2/app/manifests/${second.digest}`);
    expect(header(reply, 'docker-content-digest')).toBe(second.digest);
    expect(header(reply, 'content-length')).toBe('0');
    const latest = await send(registry, 'HEAD', '/v2/app/manifests/latest', { headers: { accept: ACCEPT_ALL_MANIFESTS } });
    expect(header(latest, 'docker-content-digest')).toBe(second.digest);
    expect(first.digest).not.toBe(second.digest);
  });

  it('stores a manifest by digest without a tag', async () => {
    const registry = await startRegistry();
    const tagged = await pushImage(registry, 'app', 'tagged');

    const reply = await send(registry, 'PUT', `/v2/app/manifests/${tagged.digest}`, {
      body: tagged.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(201);
    expect(registry.tags('app')).toEqual(['tagged']);
  });

  it('stores a manifest under its sha512 digest', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'one');
    const digest = sha512(image.bytes);

    const reply = await send(registry, 'PUT', `/v2/app/manifests/${digest}`, {
      body: image.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });
    const fetched = await send(registry, 'GET', `/v2/app/manifests/${digest}`, { headers: { accept: MediaType.ociManifest } });

    expect(reply.status).toBe(201);
    expect(header(reply, 'docker-content-digest')).toBe(digest);
    expect(fetched.body.equals(image.bytes)).toBe(true);
  });

  it('responds to a PUT whose digest does not match the body with DIGEST_INVALID', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'one');

    const reply = await send(registry, 'PUT', `/v2/app/manifests/${ZERO_DIGEST}`, {
      body: image.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['DIGEST_INVALID']);
    expect(reply.text).toContain(image.digest);
  });

  it('responds to a PUT to an invalid tag with TAG_INVALID', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'one');

    const reply = await send(registry, 'PUT', '/v2/app/manifests/.hidden', {
      body: image.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['TAG_INVALID']);
  });

  it('responds to a manifest over 4 MiB with 413 SIZE_INVALID', async () => {
    const registry = await startRegistry();
    const body = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);

    const reply = await send(registry, 'PUT', '/v2/app/manifests/big', {
      body,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(413);
    expect(errorCodes(reply)).toEqual(['SIZE_INVALID']);
    expect(registry.repositories()).toEqual([]);
  });

  it('accepts a manifest of exactly 4 MiB', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'one');
    const padding = MAX_MANIFEST_BYTES - image.bytes.length - '"annotations":{"pad":""},'.length;
    const manifest = { ...image.manifest, annotations: { pad: 'x'.repeat(padding) } };
    const bytes = Buffer.from(JSON.stringify(manifest));
    expect(bytes.length).toBe(MAX_MANIFEST_BYTES);

    const reply = await send(registry, 'PUT', '/v2/app/manifests/big', { body: bytes, headers: { 'content-type': MediaType.ociManifest } });

    expect(reply.status).toBe(201);
  });

  it.each<[string, string | undefined, (manifest: Record<string, unknown>) => unknown, string[]]>([
    ['a missing Content-Type', undefined, (m) => m, ['MANIFEST_INVALID']],
    ['Content-Type application/json', 'application/json', (m) => m, ['MANIFEST_INVALID']],
    ['a Content-Type that differs from mediaType', MediaType.ociIndex, (m) => m, ['MANIFEST_INVALID']],
    ['a body that is not JSON', MediaType.ociManifest, () => '{"schemaVersion":', ['MANIFEST_INVALID']],
    ['a JSON array', MediaType.ociManifest, () => [], ['MANIFEST_INVALID']],
    ['schemaVersion 1', MediaType.ociManifest, (m) => ({ ...m, schemaVersion: 1 }), ['MANIFEST_INVALID']],
    ['no layers', MediaType.ociManifest, (m) => ({ ...m, layers: undefined }), ['MANIFEST_INVALID']],
    ['a negative size', MediaType.ociManifest, (m) => ({ ...m, config: { ...(m.config as object), size: -1 } }), ['MANIFEST_INVALID']],
    ['an invalid config digest', MediaType.ociManifest, (m) => ({ ...m, config: { ...(m.config as object), digest: 'sha256:xyz' } }), ['DIGEST_INVALID']],
    ['a config not in the repository', MediaType.ociManifest, (m) => ({ ...m, config: { ...(m.config as object), digest: ZERO_DIGEST } }), ['MANIFEST_BLOB_UNKNOWN']],
    [
      'two layers not in the repository',
      MediaType.ociManifest,
      (m) => ({
        ...m,
        layers: [
          { mediaType: MediaType.ociLayerTar, digest: ZERO_DIGEST, size: 1 },
          { mediaType: MediaType.ociLayerTar, digest: `sha256:${'1'.repeat(64)}`, size: 1 },
        ],
      }),
      ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN'],
    ],
    [
      'a non-distributable layer without urls',
      MediaType.ociManifest,
      (m) => ({ ...m, layers: [{ mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar', digest: ZERO_DIGEST, size: 1 }] }),
      ['MANIFEST_INVALID'],
    ],
    ['a Docker manifest without mediaType', MediaType.dockerManifest, (m) => ({ ...m, mediaType: undefined }), ['MANIFEST_INVALID']],
  ])('rejects %s', async (_case, contentType, change, codes) => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'base');
    const changed = change(image.manifest);
    const body = typeof changed === 'string' ? changed : JSON.stringify(changed);

    const reply = await send(registry, 'PUT', '/v2/app/manifests/changed', {
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(codes);
    expect(registry.tags('app')).toEqual(['base']);
  });

  it('accepts a non-distributable layer with urls that is not in the repository', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'base');
    const layer = { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar', digest: ZERO_DIGEST, size: 1, urls: ['https://example.invalid/layer'] };

    const pushed = await putManifest(registry, 'app', 'foreign', { ...image.manifest, layers: [layer] });

    expect(pushed.digest).toMatch(/^sha256:/);
    expect(registry.tags('app')).toEqual(['base', 'foreign']);
  });

  it('accepts a Content-Type with parameters', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', 'base');

    const reply = await send(registry, 'PUT', '/v2/app/manifests/again', {
      body: image.bytes,
      headers: { 'content-type': `${MediaType.ociManifest}; charset=utf-8` },
    });

    expect(reply.status).toBe(201);
  });

  it('requires index children in the same repository', async () => {
    const registry = await startRegistry();
    const inOther = await pushImage(registry, 'other', 'one', { seed: 'only in other' });
    const inApp = await pushImage(registry, 'app', 'one');
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [inApp, inOther].map((child) => ({ mediaType: child.mediaType, digest: child.digest, size: child.bytes.length })),
    };

    const reply = await send(registry, 'PUT', '/v2/app/manifests/multi', {
      body: JSON.stringify(index),
      headers: { 'content-type': MediaType.ociIndex },
    });

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(reply.json).toMatchObject({ errors: [{ detail: { digest: inOther.digest } }] });
  });

  it('accepts the image-spec 1.1 release candidate artifact manifest', async () => {
    const registry = await startRegistry();
    const blob = await pushBlob(registry, 'app', 'sbom');
    const manifest = {
      mediaType: MediaType.ociArtifactManifest,
      artifactType: 'application/spdx+json',
      blobs: [{ mediaType: 'application/spdx+json', digest: blob, size: 4 }],
    };

    const pushed = await putManifest(registry, 'app', 'sbom', manifest);
    const reply = await send(registry, 'GET', `/v2/app/manifests/${pushed.digest}`);

    expect(reply.status).toBe(200);
    expect(header(reply, 'content-type')).toBe(MediaType.ociArtifactManifest);
  });
});

describe('manifest DELETE', () => {
  it('deletes a manifest by digest with every tag on it', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    await putManifest(registry, 'app', 'latest', image.manifest);
    await pushImage(registry, 'app', '2.0');

    const reply = await send(registry, 'DELETE', `/v2/app/manifests/${image.digest}`);

    expect(reply.status).toBe(202);
    expect(registry.tags('app')).toEqual(['2.0']);
    const gone = await send(registry, 'GET', `/v2/app/manifests/${image.digest}`, { headers: { accept: ACCEPT_ALL_MANIFESTS } });
    expect(gone.status).toBe(404);
  });

  it('deletes only the tag when a tag is given', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    await putManifest(registry, 'app', 'latest', image.manifest);

    const reply = await send(registry, 'DELETE', '/v2/app/manifests/latest');

    expect(reply.status).toBe(202);
    expect(registry.tags('app')).toEqual(['1.0']);
    const kept = await send(registry, 'HEAD', `/v2/app/manifests/${image.digest}`, { headers: { accept: ACCEPT_ALL_MANIFESTS } });
    expect(kept.status).toBe(200);
  });

  it.each([
    ['an unknown digest', `/v2/app/manifests/${ZERO_DIGEST}`],
    ['an unknown tag', '/v2/app/manifests/none'],
  ])('responds to %s with 404 MANIFEST_UNKNOWN', async (_case, path) => {
    const registry = await startRegistry();
    await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'DELETE', path);

    expect(reply.status).toBe(404);
    expect(errorCodes(reply)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('responds with 405 UNSUPPORTED when deletes are disabled', async () => {
    const registry = await startRegistry({ deleteEnabled: false });
    const image = await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'DELETE', `/v2/app/manifests/${image.digest}`);

    expect(reply.status).toBe(405);
    expect(errorCodes(reply)).toEqual(['UNSUPPORTED']);
    expect(registry.tags('app')).toEqual(['1.0']);
  });

  it('keeps a repository in the catalog after its content is deleted, like Distribution', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const manifest = image.manifest as { config: { digest: string }; layers: Array<{ digest: string }> };

    await send(registry, 'DELETE', `/v2/app/manifests/${image.digest}`);
    await send(registry, 'DELETE', `/v2/app/blobs/${manifest.config.digest}`);
    await send(registry, 'DELETE', `/v2/app/blobs/${manifest.layers[0]?.digest}`);

    expect(registry.repositories()).toEqual(['app']);
    expect((await send(registry, 'HEAD', `/v2/app/blobs/${manifest.config.digest}`)).status).toBe(404);
  });
});
