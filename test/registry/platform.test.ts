import { describe, expect, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import type { Descriptor } from '../../src/registry/manifest-schemas.js';
import {
  formatPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectPlatformChild,
  type PlatformRequest,
} from '../../src/registry/platform.js';
import { MediaType } from '../../src/registry/wire.js';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
  ])('parses %s', (input, expected) => {
    expect(parsePlatform(input)).toEqual(expected);
    expect(formatPlatform(parsePlatform(input))).toBe(input);
  });

  it.each(['', 'linux', 'linux/', '/amd64', 'linux/arm/v7/extra', 'linux/amd 64', 'linux/amd64;rm'])('rejects %j', (input) => {
    expect(() => parsePlatform(input)).toThrow(expect.objectContaining({ code: 'INVALID_PLATFORM' }));
  });
});

describe('normalizePlatform', () => {
  it.each<[PlatformRequest, PlatformRequest]>([
    [{ os: 'Linux', architecture: 'AMD64' }, { os: 'linux', architecture: 'amd64' }],
    [{ os: 'linux', architecture: 'x86_64' }, { os: 'linux', architecture: 'amd64' }],
    [{ os: 'linux', architecture: 'aarch64' }, { os: 'linux', architecture: 'arm64' }],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, { os: 'linux', architecture: 'amd64' }],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    [{ os: 'linux', architecture: 'armhf' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    [{ os: 'linux', architecture: 'armel' }, { os: 'linux', architecture: 'arm', variant: 'v6' }],
    [{ os: 'linux', architecture: 'i386' }, { os: 'linux', architecture: '386' }],
    [{ os: 'linux', architecture: 'arm', variant: '' }, { os: 'linux', architecture: 'arm' }],
  ])('normalises %j', (input, expected) => {
    expect(normalizePlatform(input)).toEqual(expected);
  });
});

describe('platformMatches', () => {
  it.each<[PlatformRequest, PlatformRequest, boolean]>([
    [{ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm', variant: 'v6' }, false],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }, false],
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }, true],
    [{ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }, false],
  ])('%j on %j is %s', (requested, candidate, expected) => {
    expect(platformMatches(requested, candidate)).toBe(expected);
  });
});

describe('selectPlatformChild', () => {
  const child = (seed: string, platform?: PlatformRequest): Descriptor => ({
    mediaType: MediaType.ociManifest,
    digest: computeDigest(seed),
    size: 1,
    ...(platform ? { platform } : {}),
  });

  it('prefers a child without variant when none is requested', () => {
    const children = [child('v8', { os: 'linux', architecture: 'arm64', variant: 'v9' }), child('plain', { os: 'linux', architecture: 'arm64' })];
    expect(selectPlatformChild('r', children, { os: 'linux', architecture: 'arm64' }).digest).toBe(computeDigest('plain'));
  });

  it('never picks a child without platform', () => {
    expect(() => selectPlatformChild('r', [child('artifact')], { os: 'linux', architecture: 'amd64' })).toThrow(
      'r has no manifest for platform linux/amd64; available platforms: none',
    );
  });
});
