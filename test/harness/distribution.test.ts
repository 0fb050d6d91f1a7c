import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { MediaType } from '../../src/registry/wire.js';
import { startDistribution } from '../support/distribution.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoCopy, skopeoDelete, skopeoDigest, skopeoInspectRaw, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

function getStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('anonymous registry', () => {
  const registry = useDistribution();
  let layout: string;

  beforeAll(async () => {
    layout = await makeTempDir('anonymous-layout');
  });

  afterAll(async () => {
    await removeDir(layout);
  });

  it('serves the API root on loopback without auth', async () => {
    expect(registry().host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry().url).toBe(`http://${registry().host}`);
    expect(registry().auth).toBe('none');
    expect(await getStatus(`${registry().url}/v2/`)).toBe(200);
  });

  it('round-trips an OCI image with the same digest', async () => {
    const image = await buildImage(layout, 'oci-1', { seed: 'oci-1' });
    const pushed = await pushImage(image, registry(), 'apps/etcd:3.4.13-debian-10-r8');

    expect(pushed).toBe(image.digest);
    expect(await skopeoDigest(`docker://${registry().host}/apps/etcd:3.4.13-debian-10-r8`)).toBe(image.digest);
    const manifest = JSON.parse((await skopeoInspectRaw(`docker://${registry().host}/apps/etcd@${image.digest}`)).toString('utf8'));
    expect(manifest).toEqual(image.manifest);
  });

  it('round-trips a Docker schema 2 image with the same digest', async () => {
    const image = await buildImage(layout, 'docker-1', { seed: 'docker-1', mediaTypes: 'docker' });
    const pushed = await pushImage(image, registry(), 'apps/docker:1');

    expect(pushed).toBe(image.digest);
    const manifest = JSON.parse((await skopeoInspectRaw(`docker://${registry().host}/apps/docker:1`)).toString('utf8'));
    expect(manifest.mediaType).toBe(MediaType.dockerManifest);
  });

  it.each<[string, 'oci' | 'docker', string]>([
    ['an OCI index', 'oci', MediaType.ociIndex],
    ['a Docker manifest list', 'docker', MediaType.dockerManifestList],
  ])('round-trips %s with two platforms', async (name, mediaTypes, mediaType) => {
    const index = await buildIndex(layout, `multi-${mediaTypes}`, [
      { platform: { os: 'linux', architecture: 'amd64' }, seed: name, mediaTypes },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, seed: name, mediaTypes },
    ]);
    const pushed = await pushImage(index, registry(), `apps/multi-${mediaTypes}:1`);

    expect(pushed).toBe(index.digest);
    const served = JSON.parse((await skopeoInspectRaw(`docker://${registry().host}/apps/multi-${mediaTypes}:1`)).toString('utf8'));
    expect(served.mediaType).toBe(mediaType);
    for (const platform of index.platforms ?? []) {
      expect(await skopeoDigest(`docker://${registry().host}/apps/multi-${mediaTypes}@${platform.digest}`)).toBe(platform.digest);
    }
  });

  it('lists the tags of a repository', async () => {
    const image = await buildImage(layout, 'tags', { seed: 'tags' });
    for (const tag of ['3.4.13-debian-10-r8', '3.4.13', '3', 'latest']) {
      await pushImage(image, registry(), `apps/tags:${tag}`);
    }

    const tags = await skopeoListTags(`docker://${registry().host}/apps/tags`);
    expect(tags.sort()).toEqual(['3', '3.4.13', '3.4.13-debian-10-r8', 'latest']);
  });

  it('copies between repositories of one registry', async () => {
    const image = await buildImage(layout, 'copy', { seed: 'copy' });
    await pushImage(image, registry(), 'apps/source:1');
    await skopeoCopy(`docker://${registry().host}/apps/source:1`, `docker://${registry().host}/apps/target:1`, {
      preserveDigests: true,
    });

    expect(await skopeoDigest(`docker://${registry().host}/apps/target:1`)).toBe(image.digest);
  });

  it('deletes a manifest and its tags', async () => {
    const image = await buildImage(layout, 'delete', { seed: 'delete' });
    await pushImage(image, registry(), 'apps/delete:1');
    await pushImage(await buildImage(layout, 'keep', { seed: 'keep' }), registry(), 'apps/delete:2');

    await skopeoDelete(`docker://${registry().host}/apps/delete:1`);

    expect(await skopeoListTags(`docker://${registry().host}/apps/delete`)).toEqual(['2']);
    await expect(skopeoInspectRaw(`docker://${registry().host}/apps/delete@${image.digest}`)).rejects.toThrow(/manifest unknown/);
  });

  it('reports a missing tag with skopeo stderr', async () => {
    const missing = `docker://${registry().host}/apps/none:missing`;
    let thrown: unknown;
    try {
      await skopeoInspectRaw(missing);
    } catch (error) {
      thrown = error;
    }

    expect(isTagkeeperError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe('COMMAND_FAILED');
    expect((thrown as Error).message).toContain('skopeo --insecure-policy inspect --raw');
    expect((thrown as Error).message).toMatch(/failed with exit code \d+: .*(manifest unknown|not found)/i);
  });
});

describe('startDistribution', () => {
  let image: BuiltImage;
  let layout: string;

  beforeAll(async () => {
    layout = await makeTempDir('lifecycle-layout');
    image = await buildImage(layout, 'v1', { seed: 'lifecycle' });
  });

  afterAll(async () => {
    await removeDir(layout);
  });

  it('starts registries that do not share storage', async () => {
    const [first, second] = await Promise.all([startDistribution(), startDistribution()]);
    try {
      expect(first.host).not.toBe(second.host);
      expect(first.storage).not.toBe(second.storage);

      await pushImage(image, first, 'apps/only-first:1');
      expect(await skopeoListTags(`docker://${first.host}/apps/only-first`)).toEqual(['1']);
      await expect(skopeoListTags(`docker://${second.host}/apps/only-first`)).rejects.toThrow(/name unknown|not found/i);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('stops the process and removes storage, and stops twice safely', async () => {
    const registry = await startDistribution();
    await pushImage(image, registry, 'apps/stop:1');
    expect(existsSync(registry.storage)).toBe(true);

    await registry.stop();
    await registry.stop();

    expect(existsSync(registry.storage)).toBe(false);
    await expect(getStatus(`${registry.url}/v2/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('throws an install hint when docker-registry is missing', async () => {
    const started = startDistribution({ binary: '/nonexistent/docker-registry' });

    await expect(started).rejects.toMatchObject({ code: 'TOOL_MISSING', name: 'ToolMissingError' });
    await expect(started).rejects.toThrow(/apt-get install docker-registry.*npm test/);
  });

  it('reports a registry that exits before serving', async () => {
    // `false` exits at once with status 1, as a registry with a broken config does.
    const started = startDistribution({ binary: '/bin/false' });

    await expect(started).rejects.toMatchObject({ code: 'SERVER_START_FAILED' });
    await expect(started).rejects.toThrow(/exited before serving http:\/\/127\.0\.0\.1:\d+\/v2\//);
  });
});
