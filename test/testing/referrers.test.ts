import { describe, expect, it } from 'vitest';

import { MediaType } from '../../src/registry/wire.js';
import { errorCodes, header, pushImage, putManifest, send, startRegistry } from './helpers.js';

const SBOM_TYPE = 'application/spdx+json';
const SIGNATURE_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

describe('referrers API', () => {
  it('returns OCI-Subject when a manifest with a subject is pushed', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const sbom = await pushImage(registry, 'app', 'sbom', { subject: image, artifactType: SBOM_TYPE });

    const reply = await send(registry, 'PUT', `/v2/app/manifests/${sbom.digest}`, {
      body: sbom.bytes,
      headers: { 'content-type': MediaType.ociManifest },
    });

    expect(reply.status).toBe(201);
    expect(header(reply, 'oci-subject')).toBe(image.digest);
  });

  it('lists the manifests that refer to a subject as an OCI index', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const sbom = await pushImage(registry, 'app', 'sbom', { subject: image, artifactType: SBOM_TYPE });
    const signature = await pushImage(registry, 'app', 'signature', { subject: image, seed: 'sig' });
    const annotated = { ...signature.manifest, annotations: { 'org.example.note': 'signed' } };
    const withAnnotations = await putManifest(registry, 'app', 'annotated', annotated);
    await pushImage(registry, 'app', 'unrelated');

    const reply = await send(registry, 'GET', `/v2/app/referrers/${image.digest}`);

    expect(reply.status).toBe(200);
    expect(header(reply, 'content-type')).toBe(MediaType.ociIndex);
    expect(header(reply, 'oci-filters-applied')).toBeUndefined();
    const expected = [
      { mediaType: MediaType.ociManifest, digest: sbom.digest, size: sbom.bytes.length, artifactType: SBOM_TYPE },
      // Without artifactType, an image manifest is listed with its config media type (image-spec v1.1.0).
      { mediaType: MediaType.ociManifest, digest: signature.digest, size: signature.bytes.length, artifactType: MediaType.ociConfig },
      {
        mediaType: MediaType.ociManifest,
        digest: withAnnotations.digest,
        size: withAnnotations.bytes.length,
        artifactType: MediaType.ociConfig,
        annotations: { 'org.example.note': 'signed' },
      },
    ].sort((left, right) => (left.digest < right.digest ? -1 : 1));
    expect(reply.json).toEqual({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: expected });
  });

  it('filters by artifactType and says so', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const sbom = await pushImage(registry, 'app', 'sbom', { subject: image, artifactType: SBOM_TYPE });
    await pushImage(registry, 'app', 'signature', { subject: image, artifactType: SIGNATURE_TYPE });

    const reply = await send(registry, 'GET', `/v2/app/referrers/${image.digest}?artifactType=${encodeURIComponent(SBOM_TYPE)}`);

    expect(header(reply, 'oci-filters-applied')).toBe('artifactType');
    expect((reply.json as { manifests: Array<{ digest: string }> }).manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);
  });

  it('accepts a subject that is not in the registry', async () => {
    const registry = await startRegistry();
    const missing = { bytes: Buffer.from('{}'), digest: `sha256:${'5'.repeat(64)}`, mediaType: MediaType.ociManifest, manifest: {} };

    const sbom = await pushImage(registry, 'app', 'sbom', { subject: missing, artifactType: SBOM_TYPE });
    const reply = await send(registry, 'GET', `/v2/app/referrers/${missing.digest}`);

    expect((reply.json as { manifests: Array<{ digest: string }> }).manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);
  });

  it('lists an index with a subject', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      artifactType: 'application/vnd.example.bundle',
      manifests: [],
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length },
    };

    const pushed = await putManifest(registry, 'app', 'bundle', index);
    const reply = await send(registry, 'GET', `/v2/app/referrers/${image.digest}`);

    expect(reply.json).toMatchObject({
      manifests: [{ mediaType: MediaType.ociIndex, digest: pushed.digest, artifactType: 'application/vnd.example.bundle' }],
    });
  });

  it.each([
    ['an unknown repository', 'other'],
    ['a subject without referrers', 'app'],
  ])('returns an empty index for %s', async (_case, repository) => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');

    const reply = await send(registry, 'GET', `/v2/${repository}/referrers/${image.digest}`);

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });
  });

  it('drops a deleted referrer from the listing', async () => {
    const registry = await startRegistry();
    const image = await pushImage(registry, 'app', '1.0');
    const sbom = await pushImage(registry, 'app', 'sbom', { subject: image, artifactType: SBOM_TYPE });

    await send(registry, 'DELETE', `/v2/app/manifests/${sbom.digest}`);
    const reply = await send(registry, 'GET', `/v2/app/referrers/${image.digest}`);

    expect(reply.json).toMatchObject({ manifests: [] });
  });

  it('rejects an invalid subject digest with 400', async () => {
    const registry = await startRegistry();

    const reply = await send(registry, 'GET', '/v2/app/referrers/latest');

    expect(reply.status).toBe(400);
    expect(errorCodes(reply)).toEqual(['DIGEST_INVALID']);
  });

  it('behaves like Distribution 2.8 with the referrers API off', async () => {
    const registry = await startRegistry({ referrersApi: false });
    const image = await pushImage(registry, 'app', '1.0');

    const sbom = await send(registry, 'PUT', '/v2/app/manifests/sbom', {
      body: JSON.stringify({
        ...image.manifest,
        artifactType: SBOM_TYPE,
        subject: { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length },
      }),
      headers: { 'content-type': MediaType.ociManifest },
    });
    const listing = await send(registry, 'GET', `/v2/app/referrers/${image.digest}`);

    expect(sbom.status).toBe(201);
    expect(header(sbom, 'oci-subject')).toBeUndefined();
    expect(listing.status).toBe(404);
    expect(listing.text).toBe('404 page not found\n');
  });
});
