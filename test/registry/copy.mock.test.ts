import { afterEach, describe, expect, it } from 'vitest';
import type { Interceptable } from 'undici';
import { copyImage } from '../../src/registry/copy.js';
import { computeDigest } from '../../src/registry/digest.js';
import { parseReference } from '../../src/registry/reference.js';
import { MediaType } from '../../src/registry/wire.js';
import { mockRegistry, type MockRegistry } from './mock-registry.js';

let mock: MockRegistry;
afterEach(async () => {
  await mock.finish();
});

const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
const foreign = { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: computeDigest('windows base layer'), size: 1000, urls: ['https://example.invalid/layer'] };
const configDescriptor = { mediaType: MediaType.dockerConfig, digest: computeDigest(config), size: config.length };

function manifest(layers: object[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: configDescriptor, layers }));
}

/** Expects the destination to receive one blob by streamed upload: HEAD 404, POST, PUT with the content. */
function expectUpload(destination: Interceptable, digest: string, name: string): void {
  destination.intercept({ path: `/v2/mirror/blobs/${digest}`, method: 'HEAD' }).reply(404, '');
  destination.intercept({ path: '/v2/mirror/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: `/v2/mirror/blobs/uploads/${name}` } });
  destination.intercept({ path: `/v2/mirror/blobs/uploads/${name}?digest=${encodeURIComponent(digest)}`, method: 'PUT' }).reply(201, '');
}

describe('copyImage with recorded registry answers', () => {
  it('leaves out a non-distributable layer the source does not serve', async () => {
    mock = mockRegistry('src.example');
    const destination = mock.agent.get('https://dst.example');
    const bytes = manifest([foreign]);
    mock.pool.intercept({ path: '/v2/app/manifests/1', method: 'GET' }).reply(200, bytes, { headers: { 'content-type': MediaType.dockerManifest } });
    mock.pool.intercept({ path: `/v2/app/blobs/${configDescriptor.digest}`, method: 'GET' }).reply(200, config);
    mock.pool.intercept({ path: `/v2/app/blobs/${foreign.digest}`, method: 'GET' }).reply(404, '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
    // The transport learns the destination's auth with one probe before a streamed body.
    destination.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    expectUpload(destination, configDescriptor.digest, 'config');
    destination.intercept({ path: `/v2/mirror/blobs/${foreign.digest}`, method: 'HEAD' }).reply(404, '');
    destination.intercept({ path: '/v2/mirror/manifests/1', method: 'PUT' }).reply(201, '', { headers: { 'docker-content-digest': computeDigest(bytes) } });

    const result = await copyImage(mock.transport, parseReference('src.example/app:1'), parseReference('dst.example/mirror'), { concurrency: 1 });
    expect(result.blobs).toEqual({ copied: 1, mounted: 0, skipped: 1 });
    expect(result.destination).toBe(`dst.example/mirror:1@${computeDigest(bytes)}`);
  });
});

describe('copyImage within one registry', () => {
  const layer = Buffer.from('layer bytes');
  const layerDescriptor = { mediaType: MediaType.dockerLayerTarGzip, digest: computeDigest(layer), size: layer.length };
  const bytes = manifest([layerDescriptor]);

  /** Serves the source image `app:1` and accepts its manifest under `mirror:1`. */
  function serveImage(): void {
    mock.pool.intercept({ path: '/v2/app/manifests/1', method: 'GET' }).reply(200, bytes, { headers: { 'content-type': MediaType.dockerManifest } });
    mock.pool.intercept({ path: '/v2/mirror/manifests/1', method: 'PUT' }).reply(201, '', { headers: { 'docker-content-digest': computeDigest(bytes) } });
  }

  function mountPath(digest: string): string {
    return `/v2/mirror/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=app`;
  }

  it('mounts blobs without a HEAD first', async () => {
    mock = mockRegistry();
    serveImage();
    for (const digest of [configDescriptor.digest, layerDescriptor.digest]) {
      mock.pool.intercept({ path: mountPath(digest), method: 'POST' }).reply(201, '');
    }

    const result = await copyImage(mock.transport, parseReference('registry.example/app:1'), parseReference('registry.example/mirror'));

    expect(result.blobs).toEqual({ copied: 0, mounted: 2, skipped: 0 });
  });

  it('cancels a refused mount for a present blob', async () => {
    mock = mockRegistry();
    serveImage();
    for (const [digest, name] of [[configDescriptor.digest, 'config'], [layerDescriptor.digest, 'layer']] as const) {
      mock.pool.intercept({ path: mountPath(digest), method: 'POST' }).reply(202, '', { headers: { location: `/v2/mirror/blobs/uploads/${name}` } });
      mock.pool.intercept({ path: `/v2/mirror/blobs/${digest}`, method: 'HEAD' }).reply(200, '', { headers: { 'content-length': '11' } });
      mock.pool.intercept({ path: `/v2/mirror/blobs/uploads/${name}`, method: 'DELETE' }).reply(204, '');
    }

    const result = await copyImage(mock.transport, parseReference('registry.example/app:1'), parseReference('registry.example/mirror'));

    expect(result.blobs).toEqual({ copied: 0, mounted: 0, skipped: 2 });
  });

  it('streams a missing blob into a refused mount', async () => {
    mock = mockRegistry();
    serveImage();
    mock.pool.intercept({ path: mountPath(configDescriptor.digest), method: 'POST' }).reply(201, '');
    mock.pool.intercept({ path: mountPath(layerDescriptor.digest), method: 'POST' }).reply(202, '', { headers: { location: '/v2/mirror/blobs/uploads/layer' } });
    mock.pool.intercept({ path: `/v2/mirror/blobs/${layerDescriptor.digest}`, method: 'HEAD' }).reply(404, '');
    mock.pool.intercept({ path: `/v2/app/blobs/${layerDescriptor.digest}`, method: 'GET' }).reply(200, layer);
    // The transport probes GET /v2/ for the auth challenge before it sends a streamed body.
    mock.pool.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    mock.pool
      .intercept({ path: `/v2/mirror/blobs/uploads/layer?digest=${encodeURIComponent(layerDescriptor.digest)}`, method: 'PUT' })
      .reply(201, '');

    const result = await copyImage(mock.transport, parseReference('registry.example/app:1'), parseReference('registry.example/mirror'));

    expect(result.blobs).toEqual({ copied: 1, mounted: 1, skipped: 0 });
    expect(result.bytesCopied).toBe(layer.length);
  });
});
