/**
 * Resolve against CNCF Distribution and the in-memory registry, on every
 * kind of reference, with skopeo as the independent reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/release/client-registry.js';
import { publish } from '../../src/release/publish.js';
import { resolve } from '../../src/resolve/resolve.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { pushImage, skopeoDigest, skopeoInspectRaw } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { useBackend, type BackendKind } from '../release/backends.js';

const TIMEOUT = 120_000;

let layout: string;

beforeAll(async () => {
  layout = await makeTempDir('resolve-layout');
});

afterAll(async () => {
  await removeDir(layout);
});

describe.each<BackendKind>(['distribution', 'memory'])('resolve on %s', (kind) => {
  const backend = useBackend(kind);
  const images: Record<string, BuiltImage> = {};
  const repo = () => `${backend().host}/acme/etcd`;

  beforeAll(async () => {
    const releases: Array<[string, string, string, boolean]> = [
      ['3.4.13', 'debian-12', `${kind}-3.4.13`, false],
      ['3.5.0', 'debian-12', `${kind}-3.5.0`, true],
      ['3.5.0', 'photon-5', `${kind}-3.5.0-photon`, false],
    ];
    for (const [version, distro, name, index] of releases) {
      const image = index
        ? await buildIndex(layout, name, [
            { seed: name, platform: { os: 'linux', architecture: 'amd64' } },
            { seed: name, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          ])
        : await buildImage(layout, name, { seed: name });
      await pushImage(image, backend(), `staging/etcd:${name}`);
      await publish({
        client: backend().client,
        source: `${backend().host}/staging/etcd:${name}`,
        target: repo(),
        version,
        distro,
        defaultDistro: 'debian-12',
      });
      images[name] = image;
    }
    images.nightly = await buildImage(layout, `${kind}-nightly`, { seed: `${kind}-nightly` });
    await pushImage(images.nightly, backend(), 'acme/etcd:nightly');
    images.manual = await buildImage(layout, `${kind}-manual`, { seed: `${kind}-manual` });
    await pushImage(images.manual, backend(), 'acme/etcd:4');
  }, TIMEOUT);

  it('resolves every kind of reference to what skopeo reads', async () => {
    const newest = images[`${kind}-3.5.0`] as BuiltImage;
    const refs = [
      `${repo()}:3`,
      `${repo()}:latest`,
      `${repo()}:3-photon-5`,
      `${repo()}:3.4.13`,
      `${repo()}:3.4.13-debian-12-r0`,
      `${repo()}@${newest.digest}`,
      `${repo()}:nightly`,
      `${repo()}:4`,
    ];

    const results = await resolve(refs, { client: backend().client });

    expect(results.map((result) => [result.kind, result.immutableTags])).toEqual([
      ['rolling', ['3.5.0-debian-12-r0']],
      ['rolling', ['3.5.0-debian-12-r0']],
      ['rolling', ['3.5.0-photon-5-r0']],
      ['rolling', ['3.4.13-debian-12-r0']],
      ['immutable', ['3.4.13-debian-12-r0']],
      ['digest', []],
      ['foreign', []],
      ['rolling', []],
    ]);
    for (const result of results) {
      const ref = `docker://${result.reference}`;
      expect(result.digest, result.reference).toBe(await skopeoDigest(ref, backend().target));
    }
    expect(results[7]?.warning).toContain('has no immutable tag in its scope');
    expect(results[6]?.warning).toContain('not a tag of the scheme');
  }, TIMEOUT);

  it('resolves the platform manifest of an index', async () => {
    const newest = images[`${kind}-3.5.0`] as BuiltImage;
    const index = JSON.parse((await skopeoInspectRaw(`docker://${repo()}:3`, backend().target)).toString('utf8')) as {
      manifests: Array<{ digest: string; mediaType: string; platform: { architecture: string } }>;
    };
    const arm = index.manifests.find((child) => child.platform.architecture === 'arm64');

    const [result] = await resolve([`${repo()}:3`], { client: backend().client, platform: 'linux/arm64' });

    expect(result?.digest).toBe(newest.digest);
    expect(result?.platform).toEqual({ platform: 'linux/arm64/v8', digest: arm?.digest, mediaType: arm?.mediaType });
  }, TIMEOUT);

  it('lists the repository once for many references', async () => {
    const resolver = new Resolver({ registry: new ClientRegistry(backend().client), policy: { defaultDistro: 'debian-12' } });

    await resolver.resolveAll([`${repo()}:3`, `${repo()}:latest`, `${repo()}:3-debian-12`, `${repo()}:3.5.0`]);

    expect(resolver.requests).toEqual({ listTags: 1, headManifest: 5, resolvePlatform: 0 });
  }, TIMEOUT);
});
