import { describe, expect, it } from 'vitest';
import { canonicalJson, compareIgnoringTimestamps, firstDifferentField, withoutTimestamps } from '../../src/release/unchanged.js';
import { MediaType } from '../../src/registry/wire.js';
import { FakeReleaseRegistry, type FakeImageSpec } from './fake-registry.js';

const repo = { registry: 'reg.test', repository: 'acme/app' };
const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

function image(created: string, overrides: Partial<FakeImageSpec> = {}): FakeImageSpec {
  return {
    layers: ['base', 'app'],
    config: {
      created,
      config: { Env: ['PATH=/usr/bin'] },
      history: [{ created, created_by: 'COPY app /' }],
    },
    ...overrides,
  };
}

describe('compareIgnoringTimestamps single images', () => {
  it.each([
    { name: 'only timestamps differ', right: image('2024-02-02T00:00:00Z'), equivalent: true, reason: 'configs differ only in build timestamps' },
    { name: 'same manifest', right: image('2024-01-01T00:00:00Z'), equivalent: true, reason: 'same manifest digest' },
    {
      name: 'a layer differs',
      right: image('2024-01-01T00:00:00Z', { layers: ['base', 'app v2'] }),
      equivalent: false,
      reason: 'layer 2 of 2 differs on the image',
    },
    {
      name: 'a layer is added',
      right: image('2024-01-01T00:00:00Z', { layers: ['base', 'app', 'extra'] }),
      equivalent: false,
      reason: 'the image has 2 layers instead of 3',
    },
    {
      name: 'the environment differs',
      right: image('2024-01-01T00:00:00Z', {
        config: { created: 'x', config: { Env: ['PATH=/bin'] }, history: [{ created: 'x', created_by: 'COPY app /' }] },
      }),
      equivalent: false,
      reason: 'config field "config" differs',
    },
    {
      name: 'a history command differs',
      right: image('2024-01-01T00:00:00Z', {
        config: { created: 'x', config: { Env: ['PATH=/usr/bin'] }, history: [{ created: 'x', created_by: 'RUN other' }] },
      }),
      equivalent: false,
      reason: 'config field "history" differs',
    },
  ])('$name', async ({ right, equivalent, reason }) => {
    const registry = new FakeReleaseRegistry();
    const left = registry.addImage(repo, image('2024-01-01T00:00:00Z'));
    const published = registry.addImage(repo, right);

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: published });

    expect(result.equivalent).toBe(equivalent);
    expect(result.reason).toContain(reason);
  });
});

describe('compareIgnoringTimestamps indexes', () => {
  it('matches platforms by os and architecture, not by position', async () => {
    const registry = new FakeReleaseRegistry();
    const left = registry.addIndex(repo, [image('2024-01-01', { platform: amd64 }), image('2024-01-01', { platform: arm64 })]);
    const right = registry.addIndex(repo, [image('2024-03-03', { platform: arm64 }), image('2024-03-03', { platform: amd64 })]);

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: right });

    expect(result).toEqual({ equivalent: true, reason: 'layers and configs of linux/amd64, linux/arm64/v8 match except build timestamps' });
  });

  it('names the platform whose layers differ', async () => {
    const registry = new FakeReleaseRegistry();
    const left = registry.addIndex(repo, [image('1', { platform: amd64 }), image('1', { platform: arm64 })]);
    const right = registry.addIndex(repo, [image('2', { platform: amd64 }), image('2', { platform: arm64, layers: ['base', 'arm fix'] })]);

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: right });

    expect(result).toEqual({ equivalent: false, reason: 'layer 2 of 2 differs on linux/arm64/v8' });
  });

  it('treats a changed platform set as a change', async () => {
    const registry = new FakeReleaseRegistry();
    const left = registry.addIndex(repo, [image('1', { platform: amd64 }), image('1', { platform: arm64 })]);
    const right = registry.addIndex(repo, [image('1', { platform: amd64 })]);

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: right });

    expect(result).toEqual({ equivalent: false, reason: 'platforms differ: linux/amd64, linux/arm64/v8 instead of linux/amd64' });
  });

  it('treats an index and a single image as different', async () => {
    const registry = new FakeReleaseRegistry();
    const left = registry.addIndex(repo, [image('1', { platform: amd64 })]);
    const right = registry.addImage(repo, image('1'));

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: right });

    expect(result.equivalent).toBe(false);
    expect(result.reason).toBe('one is a multi-platform index, the other a single image');
  });

  it('ignores attestation manifests that change with every build', async () => {
    const registry = new FakeReleaseRegistry();
    const withAttestation = (created: string): string => {
      const platformImage = registry.addImage(repo, image(created, { platform: amd64 }));
      const attestation = registry.addImage(repo, { layers: [`provenance built at ${created}`], platform: { os: 'unknown', architecture: 'unknown' } });
      return registry.addManifest(
        repo,
        {
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [
            { mediaType: MediaType.ociManifest, digest: platformImage, size: 1, platform: amd64 },
            {
              mediaType: MediaType.ociManifest,
              digest: attestation,
              size: 1,
              platform: { os: 'unknown', architecture: 'unknown' },
              annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': platformImage },
            },
          ],
        },
        MediaType.ociIndex,
      );
    };
    const left = withAttestation('2024-01-01');
    const right = withAttestation('2024-01-02');

    const result = await compareIgnoringTimestamps(registry, { ...repo, digest: left }, { ...repo, digest: right });

    expect(result.equivalent).toBe(true);
  });
});

describe('config helpers', () => {
  it('withoutTimestamps drops created and history[].created only', () => {
    const config = { created: 'a', os: 'linux', history: [{ created: 'b', created_by: 'RUN x', empty_layer: true }] };

    expect(withoutTimestamps(config)).toEqual({ os: 'linux', history: [{ created_by: 'RUN x', empty_layer: true }] });
    expect(config.created).toBe('a');
  });

  it('canonicalJson ignores key order but not array order', () => {
    expect(canonicalJson({ b: 1, a: [1, 2] })).toBe(canonicalJson({ a: [1, 2], b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  it('firstDifferentField returns the first differing field in sorted order', () => {
    expect(firstDifferentField({ os: 'linux', config: { User: 'a' } }, { os: 'windows', config: { User: 'b' } })).toBe('config');
    expect(firstDifferentField({ os: 'linux' }, { os: 'linux' })).toBeUndefined();
    expect(firstDifferentField({ os: 'linux' }, { os: 'linux', architecture: 'arm64' })).toBe('architecture');
  });
});
