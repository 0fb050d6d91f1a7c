/**
 * Cross-checks the in-memory registry against skopeo 1.9, the same client the
 * integration tests use against CNCF Distribution: what skopeo pushes must
 * come back byte for byte, in every auth mode.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MediaType } from '../../src/registry/wire.js';
import type { MemoryRegistryOptions } from '../../src/testing/index.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import {
  pushImage as skopeoPush,
  skopeoCopy,
  skopeoDelete,
  skopeoDigest,
  skopeoInspectRaw,
  skopeoListTags,
  type SkopeoAuth,
  type SkopeoTarget,
} from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { header, send, startRegistry } from './helpers.js';

const USER: SkopeoAuth = { username: 'ci', password: 's3cret-pass' };

let workDir: string;
let image: BuiltImage;
let index: BuiltImage;
let dockerImage: BuiltImage;

beforeAll(async () => {
  workDir = await makeTempDir('memory-registry-skopeo');
  const layout = path.join(workDir, 'source');
  image = await buildImage(layout, 'image', { seed: 'single', layers: [{ files: { 'etc/app.conf': 'x=1\n' } }, { size: 70_000 }] });
  index = await buildIndex(layout, 'index', [
    { seed: 'multi', platform: { os: 'linux', architecture: 'amd64' } },
    { seed: 'multi', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
  dockerImage = await buildImage(path.join(workDir, 'docker'), 'docker', { seed: 'docker', mediaTypes: 'docker' });
});

afterAll(async () => {
  await removeDir(workDir);
});

/** Reads a blob of an OCI layout. */
async function layoutBlob(layoutDir: string, digest: string): Promise<Buffer> {
  return readFile(path.join(layoutDir, 'blobs', 'sha256', digest.replace('sha256:', '')));
}

/** Returns every blob digest an image or index refers to, manifests included. */
function allDigests(built: BuiltImage): string[] {
  const platforms = built.platforms ?? [];
  return [
    built.digest,
    ...(built.configDigest ? [built.configDigest] : []),
    ...built.layerDigests,
    ...platforms.flatMap((platform) => [platform.digest, platform.configDigest]),
  ];
}

const MODES: Array<[string, MemoryRegistryOptions, SkopeoAuth | undefined]> = [
  ['without auth', {}, undefined],
  ['with basic auth', { auth: { type: 'basic', users: { [USER.username]: USER.password } } }, USER],
  ['with token auth', { auth: { type: 'token', users: { [USER.username]: USER.password } } }, USER],
];

describe.each(MODES)('skopeo %s', (_mode, options, auth) => {
  const target: SkopeoTarget = auth ? { tlsVerify: false, auth } : { tlsVerify: false };

  it('pushes an image and reads back the same bytes', async () => {
    const registry = await startRegistry(options);

    const digest = await skopeoPush(image, registry, 'team/app:1.0', auth);
    const raw = await skopeoInspectRaw(`docker://${registry.host}/team/app:1.0`, target);

    expect(digest).toBe(image.digest);
    expect(raw.equals(await layoutBlob(image.layoutDir, image.digest))).toBe(true);
    expect(await skopeoListTags(`docker://${registry.host}/team/app`, target)).toEqual(['1.0']);
    expect(registry.tags('team/app')).toEqual(['1.0']);
  });

  it('pushes a two-platform index with --all and keeps its digest', async () => {
    const registry = await startRegistry(options);

    const digest = await skopeoPush(index, registry, 'app:multi', auth);
    const raw = await skopeoInspectRaw(`docker://${registry.host}/app:multi`, target);
    const platform = index.platforms?.[1];
    const child = await skopeoDigest(`docker://${registry.host}/app@${platform?.digest}`, target);

    expect(digest).toBe(index.digest);
    expect(raw.equals(await layoutBlob(index.layoutDir, index.digest))).toBe(true);
    expect(child).toBe(platform?.digest);
  });

  it('copies an image and an index back out to a bit-identical OCI layout', async () => {
    const registry = await startRegistry(options);
    await skopeoPush(image, registry, 'app:1.0', auth);
    await skopeoPush(index, registry, 'app:multi', auth);
    const outDir = path.join(workDir, `out-${registry.host.replace(/[^0-9]/g, '')}`);

    await skopeoCopy(`docker://${registry.host}/app:1.0`, `oci:${outDir}:image`, { src: target, preserveDigests: true });
    await skopeoCopy(`docker://${registry.host}/app:multi`, `oci:${outDir}:index`, {
      src: target,
      all: true,
      preserveDigests: true,
    });

    for (const built of [image, index]) {
      for (const digest of allDigests(built)) {
        const copied = await layoutBlob(outDir, digest);
        expect(copied.equals(await layoutBlob(built.layoutDir, digest)), digest).toBe(true);
      }
    }
  });

  it('copies between repositories by mounting the blobs', async () => {
    const registry = await startRegistry(options);
    await skopeoPush(image, registry, 'base:1.0', auth);
    registry.resetRequests();

    await skopeoCopy(`docker://${registry.host}/base:1.0`, `docker://${registry.host}/derived:1.0`, {
      src: target,
      dest: target,
      preserveDigests: true,
    });

    const mounts = registry.requests.filter((request) => request.method === 'POST' && request.query.includes('mount='));
    expect(mounts.length).toBeGreaterThan(0);
    expect(mounts.every((request) => request.status === 201)).toBe(true);
    expect(await skopeoDigest(`docker://${registry.host}/derived:1.0`, target)).toBe(image.digest);
  });

  it('deletes a tag with skopeo delete', async () => {
    const registry = await startRegistry(options);
    await skopeoPush(image, registry, 'app:1.0', auth);

    await skopeoDelete(`docker://${registry.host}/app:1.0`, target);

    expect(await skopeoListTags(`docker://${registry.host}/app`, target)).toEqual([]);
  });
});

describe('skopeo against the memory registry', () => {
  it('round-trips Docker schema 2 media types', async () => {
    const registry = await startRegistry();

    const digest = await skopeoPush(dockerImage, registry, 'app:docker');
    const raw = await skopeoInspectRaw(`docker://${registry.host}/app:docker`, { tlsVerify: false });
    const served = await send(registry, 'HEAD', '/v2/app/manifests/docker', { headers: { accept: MediaType.dockerManifest } });

    expect(digest).toBe(dockerImage.digest);
    expect(raw.equals(await layoutBlob(dockerImage.layoutDir, dockerImage.digest))).toBe(true);
    expect(header(served, 'content-type')).toBe(MediaType.dockerManifest);
  });

  it.each([
    ['basic', { username: USER.username, password: 'wrong' }],
    ['token', { username: USER.username, password: 'wrong' }],
    ['token', { username: 'mallory', password: USER.password }],
  ] as const)('rejects a %s auth push with wrong credentials', async (type, credentials) => {
    const registry = await startRegistry({ auth: { type, users: { [USER.username]: USER.password } } });

    await expect(skopeoPush(image, registry, 'app:1.0', credentials)).rejects.toThrow();
    expect(registry.repositories()).toEqual([]);
  });

  it('lets anonymous skopeo pull but not push with anonymous pull on', async () => {
    const registry = await startRegistry({
      auth: { type: 'token', users: { [USER.username]: USER.password }, allowAnonymousPull: true },
    });
    await skopeoPush(image, registry, 'app:1.0', USER);

    const pulled = await skopeoDigest(`docker://${registry.host}/app:1.0`, { tlsVerify: false });

    expect(pulled).toBe(image.digest);
    await expect(
      skopeoCopy(image.ref, `docker://${registry.host}/app:2.0`, { dest: { tlsVerify: false }, preserveDigests: true }),
    ).rejects.toThrow();
    expect(registry.tags('app')).toEqual(['1.0']);
  });

  it('fails skopeo delete when deletes are disabled', async () => {
    const registry = await startRegistry({ deleteEnabled: false });
    await skopeoPush(image, registry, 'app:1.0');

    await expect(skopeoDelete(`docker://${registry.host}/app:1.0`, { tlsVerify: false })).rejects.toThrow();
    expect(registry.tags('app')).toEqual(['1.0']);
  });
});
