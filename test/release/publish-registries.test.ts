/**
 * Release sequences against real registries: CNCF Distribution and the
 * in-memory registry run the same steps, and skopeo checks the exact tags
 * and digests after each one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, type PublishOptions } from '../../src/release/publish.js';
import { buildImage, buildIndex, type BuiltImage, type ImageSpec } from '../support/oci-layout.js';
import { pushImage } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { skopeoTagMap, sortedTags, useBackend, type Backend, type BackendKind } from './backends.js';

const TIMEOUT = 180_000;

let layout: string;

beforeAll(async () => {
  layout = await makeTempDir('release-layout');
});

afterAll(async () => {
  await removeDir(layout);
});

/** Returns the specs of a two-platform build whose layers depend on `seed`. */
function twoPlatforms(seed: string): ImageSpec[] {
  return [
    { seed, platform: { os: 'linux', architecture: 'amd64' } },
    { seed, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ];
}

describe.each<BackendKind>(['distribution', 'memory'])('publish on %s', (kind) => {
  const backend = useBackend(kind);
  const TARGET = 'acme/app';

  async function stage(build: string, spec?: ImageSpec | ImageSpec[]): Promise<BuiltImage> {
    const image = Array.isArray(spec) ? await buildIndex(layout, build, spec) : await buildImage(layout, build, spec ?? { seed: build });
    await pushImage(image, backend(), `staging/app:${build}`);
    return image;
  }

  function release(build: string, version: string, distro = 'debian-12', extra: Partial<PublishOptions> = {}) {
    return publish({
      client: backend().client,
      source: `${backend().host}/staging/app:${build}`,
      target: `${backend().host}/${TARGET}`,
      version,
      distro,
      defaultDistro: 'debian-12',
      ...extra,
    });
  }

  it(
    'walks a release sequence with exact tags after each step',
    async () => {
      const expected: Record<string, string> = {};
      const check = async (): Promise<void> => {
        expect(await skopeoTagMap(backend(), TARGET)).toEqual(sortedTags(expected));
      };

      const first = await stage(`${kind}-3.5.9-b1`, twoPlatforms(`${kind}-3.5.9-b1`));
      const one = await release(`${kind}-3.5.9-b1`, '3.5.9');
      expect(one.outcome).toBe('published');
      expect(one.digest).toBe(first.digest);
      expect(one.applied?.copy?.blobsMounted ?? 0).toBeGreaterThan(0);
      Object.assign(expected, {
        '3.5.9-debian-12-r0': first.digest,
        '3.5.9': first.digest,
        '3-debian-12': first.digest,
        '3': first.digest,
        latest: first.digest,
      });
      await check();

      const rerun = await release(`${kind}-3.5.9-b1`, '3.5.9');
      expect(rerun.outcome).toBe('up-to-date');
      expect(rerun.revision).toBe(0);
      await check();

      const rebuild = await stage(`${kind}-3.5.9-b2`, twoPlatforms(`${kind}-3.5.9-b2`));
      const two = await release(`${kind}-3.5.9-b2`, '3.5.9');
      expect(two.revision).toBe(1);
      Object.assign(expected, {
        '3.5.9-debian-12-r1': rebuild.digest,
        '3.5.9': rebuild.digest,
        '3-debian-12': rebuild.digest,
        '3': rebuild.digest,
        latest: rebuild.digest,
      });
      await check();

      const newer = await stage(`${kind}-3.5.10-b1`, twoPlatforms(`${kind}-3.5.10-b1`));
      await release(`${kind}-3.5.10-b1`, '3.5.10');
      Object.assign(expected, {
        '3.5.10-debian-12-r0': newer.digest,
        '3.5.10': newer.digest,
        '3-debian-12': newer.digest,
        '3': newer.digest,
        latest: newer.digest,
      });
      await check();

      const backport = await stage(`${kind}-2.9.1-b1`);
      const old = await release(`${kind}-2.9.1-b1`, '2.9.1');
      expect(old.plan.operations.find((operation) => operation.tag === 'latest')?.action).toBe('skip');
      Object.assign(expected, {
        '2.9.1-debian-12-r0': backport.digest,
        '2.9.1': backport.digest,
        '2-debian-12': backport.digest,
        '2': backport.digest,
      });
      await check();

      const photon = await stage(`${kind}-3.5.10-photon`, twoPlatforms(`${kind}-3.5.10-photon`));
      const onPhoton = await release(`${kind}-3.5.10-photon`, '3.5.10', 'photon-5');
      expect(onPhoton.immutable).toBe('3.5.10-photon-5-r0');
      Object.assign(expected, { '3.5.10-photon-5-r0': photon.digest, '3-photon-5': photon.digest });
      await check();

      const candidate = await stage(`${kind}-3.6.0-rc.1`);
      await release(`${kind}-3.6.0-rc.1`, '3.6.0-rc.1');
      Object.assign(expected, { '3.6.0-rc.1-debian-12-r0': candidate.digest, '3.6.0-rc.1': candidate.digest });
      await check();
    },
    TIMEOUT,
  );

  it(
    'changes nothing on a dry run, not even the copy',
    async () => {
      await stage(`${kind}-dry-1`);
      await release(`${kind}-dry-1`, '1.0.0', 'debian-12', { target: `${backend().host}/acme/dry` });
      const before = await skopeoTagMap(backend(), 'acme/dry');
      const image = await stage(`${kind}-dry-2`);

      const result = await release(`${kind}-dry-2`, '1.1.0', 'debian-12', { target: `${backend().host}/acme/dry`, dryRun: true });

      expect(result.outcome).toBe('planned');
      expect(result.plan.copy).toBe(true);
      expect(result.plan.operations.map((operation) => [operation.tag, operation.action])).toEqual([
        ['1.1.0-debian-12-r0', 'create'],
        ['1.1.0', 'create'],
        ['1-debian-12', 'move'],
        ['1', 'move'],
        ['latest', 'move'],
      ]);
      expect(await skopeoTagMap(backend(), 'acme/dry')).toEqual(before);
      const inTarget = await backend().client.headManifest(`${backend().host}/acme/dry@${image.digest}`).catch((error: unknown) => error);
      expect(inTarget).toMatchObject({ status: 404 });
    },
    TIMEOUT,
  );

  it(
    'keeps the revision of a rebuild that differs only in timestamps',
    async () => {
      const spec = (created: string): ImageSpec => ({
        seed: `${kind}-nightly`,
        config: { created, history: [{ created, created_by: 'COPY app /' }] },
      });
      await stage(`${kind}-nightly-1`, spec('2024-05-06T02:00:00Z'));
      const first = await release(`${kind}-nightly-1`, '7.1.0', 'debian-12', { target: `${backend().host}/acme/nightly` });
      const tonight = await stage(`${kind}-nightly-2`, spec('2024-05-07T02:00:00Z'));
      expect(tonight.digest).not.toBe(first.digest);

      const second = await release(`${kind}-nightly-2`, '7.1.0', 'debian-12', {
        target: `${backend().host}/acme/nightly`,
        skipIfUnchanged: true,
      });

      expect(second.outcome).toBe('unchanged');
      expect(second.revision).toBe(0);
      expect(second.plan.revisionChoice.reason).toContain('only in build timestamps');
      expect(Object.keys(await skopeoTagMap(backend(), 'acme/nightly'))).not.toContain('7.1.0-debian-12-r1');
    },
    TIMEOUT,
  );
});

export type { Backend };
