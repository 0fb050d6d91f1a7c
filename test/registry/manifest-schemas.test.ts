import { describe, expect, it } from 'vitest';
import {
  ArtifactManifest,
  Descriptor,
  DockerManifest,
  DockerManifestList,
  ImageIndex,
  ImageManifest,
  isIndexManifest,
  MANIFEST_SCHEMAS,
  Platform,
  referencedBlobs,
  TagList,
} from '../../src/registry/manifest-schemas.js';
import { MediaType } from '../../src/registry/wire.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const config = { mediaType: MediaType.ociConfig, digest: digest('c'), size: 100 };
const layer = { mediaType: MediaType.ociLayerTarGzip, digest: digest('1'), size: 2000 };
const amd64 = { os: 'linux', architecture: 'amd64' };

describe('Descriptor', () => {
  it.each([
    ['a minimal descriptor', config],
    ['a descriptor with platform and annotations', { ...config, platform: amd64, annotations: { a: 'b' }, urls: ['https://x'] }],
    ['a sha512 descriptor', { ...config, digest: `sha512:${'e'.repeat(128)}` }],
    ['an unknown extra field', { ...config, 'x-vendor': true }],
  ])('accepts %s', (_case, value) => {
    expect(Descriptor.safeParse(value).success).toBe(true);
  });

  it.each([
    ['a missing digest', { mediaType: 'x', size: 1 }],
    ['a traversal digest', { ...config, digest: 'sha256:../../x' }],
    ['an md5 digest', { ...config, digest: `md5:${'a'.repeat(32)}` }],
    ['a negative size', { ...config, size: -1 }],
    ['a fractional size', { ...config, size: 1.5 }],
    ['a string size', { ...config, size: '100' }],
    ['an empty media type', { ...config, mediaType: '' }],
    ['annotations with a number value', { ...config, annotations: { a: 1 } }],
  ])('rejects %s', (_case, value) => {
    expect(Descriptor.safeParse(value).success).toBe(false);
  });
});

describe('manifest schemas', () => {
  const ociManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] };
  const ociIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...config, mediaType: MediaType.ociManifest, platform: amd64 }] };
  const dockerManifest = { ...ociManifest, mediaType: MediaType.dockerManifest };
  const dockerList = { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: ociIndex.manifests };
  const artifact = { mediaType: MediaType.ociArtifactManifest, artifactType: 'application/x.sbom', blobs: [layer] };

  it.each([
    [MediaType.ociManifest, ociManifest],
    [MediaType.ociManifest, { ...ociManifest, mediaType: undefined }],
    [MediaType.ociIndex, ociIndex],
    [MediaType.ociIndex, { ...ociIndex, mediaType: undefined }],
    [MediaType.dockerManifest, dockerManifest],
    [MediaType.dockerManifestList, dockerList],
    [MediaType.ociArtifactManifest, artifact],
  ])('%s accepts its document', (mediaType, value) => {
    expect(MANIFEST_SCHEMAS[mediaType]?.safeParse(value).success).toBe(true);
  });

  it.each([
    ['an OCI manifest with schemaVersion 1', ImageManifest, { ...ociManifest, schemaVersion: 1 }],
    ['an OCI manifest with a Docker media type', ImageManifest, dockerManifest],
    ['an OCI manifest without layers', ImageManifest, { schemaVersion: 2, config }],
    ['an OCI index with a bad child', ImageIndex, { schemaVersion: 2, manifests: [{ digest: 'x' }] }],
    ['a Docker manifest without mediaType', DockerManifest, { ...ociManifest, mediaType: undefined }],
    ['a Docker list entry without platform', DockerManifestList, { ...dockerList, manifests: [config] }],
    ['an artifact without artifactType', ArtifactManifest, { mediaType: MediaType.ociArtifactManifest }],
    ['a platform without os', Platform, { architecture: 'amd64' }],
  ])('rejects %s', (_case, schema, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  it('tells an index from a single-image manifest', () => {
    expect(isIndexManifest(ImageIndex.parse(ociIndex))).toBe(true);
    expect(isIndexManifest(DockerManifestList.parse(dockerList))).toBe(true);
    expect(isIndexManifest(ImageManifest.parse(ociManifest))).toBe(false);
  });

  it('lists config and layers, artifact blobs, and nothing for an index', () => {
    expect(referencedBlobs(ImageManifest.parse(ociManifest)).map((d) => d.digest)).toEqual([config.digest, layer.digest]);
    expect(referencedBlobs(ArtifactManifest.parse(artifact)).map((d) => d.digest)).toEqual([layer.digest]);
    expect(referencedBlobs(ImageIndex.parse(ociIndex))).toEqual([]);
  });
});

describe('TagList', () => {
  it.each([
    [{ name: 'app', tags: ['a', null, 'b'] }],
    [{ name: 'app', tags: null }],
    [{ name: 'app' }],
  ])('accepts %j', (value) => {
    expect(TagList.safeParse(value).success).toBe(true);
  });

  it('rejects a number among the tags', () => {
    expect(TagList.safeParse({ tags: ['a', 1] }).success).toBe(false);
  });
});
