/**
 * The safety rules of publish against CNCF Distribution: resuming after a
 * failure, conflicts on the immutable tag, racing publishes, the release
 * gate, and sources in another repository or registry. skopeo reads the
 * registry back independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/release/client-registry.js';
import { ReleaseConflictError, VerifyFailedError } from '../../src/release/errors.js';
import { publish, type PublishOptions } from '../../src/release/publish.js';
import { runVerifyCommand } from '../../src/release/verify-gate.js';
import { RegistryClient } from '../../src/registry/client.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, registryTarget, skopeoDigest } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { findTool } from '../support/tools.js';
import { skopeoTagMap, sortedTags, type Backend } from './backends.js';
import { HookedRegistry, type HookedCall } from './hooked-registry.js';

const TIMEOUT = 120_000;
const registry = useDistribution();
const other = useDistribution();

let layout: string;
let client: RegistryClient;

beforeAll(async () => {
  layout = await makeTempDir('release-safety');
  client = new RegistryClient();
});

afterAll(async () => {
  await client.close();
  await removeDir(layout);
});

function backend(): Backend {
  return { kind: 'distribution', host: registry().host, target: registryTarget(registry()), client };
}

async function stage(name: string, host = registry().host): Promise<BuiltImage> {
  const image = await buildImage(layout, name, { seed: name });
  await pushImage(image, { host }, `staging/app:${name}`);
  return image;
}

function release(name: string, repository: string, version: string, extra: Partial<PublishOptions> = {}) {
  return publish({
    client,
    source: `${registry().host}/staging/app:${name}`,
    target: `${registry().host}/${repository}`,
    version,
    distro: 'debian-12',
    ...extra,
  });
}

class SimulatedCrash extends Error {}

describe('publish resumes on Distribution', () => {
  it(
    'finishes a run that stopped after the immutable tag without a second revision',
    async () => {
      const base = await stage('resume-base');
      await release('resume-base', 'acme/resume', '5.0.0');
      const build = await stage('resume-next');
      const hooked = new HookedRegistry(new ClientRegistry(client));
      hooked.before = (call) => {
        if (call.method === 'putManifest' && !call.target.endsWith('-r0')) {
          throw new SimulatedCrash(`crash before ${call.target}`);
        }
      };

      await expect(release('resume-next', 'acme/resume', '5.1.0', { registry: hooked })).rejects.toBeInstanceOf(SimulatedCrash);
      expect(await skopeoTagMap(backend(), 'acme/resume')).toEqual(
        sortedTags({
          '5.0.0-debian-12-r0': base.digest,
          '5.0.0': base.digest,
          '5-debian-12': base.digest,
          '5': base.digest,
          latest: base.digest,
          '5.1.0-debian-12-r0': build.digest,
        }),
      );

      const resumed = await release('resume-next', 'acme/resume', '5.1.0');

      expect(resumed.revision).toBe(0);
      expect(resumed.plan.revisionChoice.kind).toBe('reused');
      expect(resumed.plan.copy).toBe(false);
      expect(await skopeoTagMap(backend(), 'acme/resume')).toEqual(
        sortedTags({
          '5.0.0-debian-12-r0': base.digest,
          '5.0.0': base.digest,
          '5.1.0-debian-12-r0': build.digest,
          '5.1.0': build.digest,
          '5-debian-12': build.digest,
          '5': build.digest,
          latest: build.digest,
        }),
      );
    },
    TIMEOUT,
  );
});

describe('publish conflicts on Distribution', () => {
  it(
    'stops before any write when another image took the immutable tag after planning',
    async () => {
      const base = await stage('conflict-base');
      await release('conflict-base', 'acme/conflict', '6.0.0');
      const ours = await stage('conflict-ours');
      const rival = await stage('conflict-rival');
      const hooked = new HookedRegistry(new ClientRegistry(client));
      hooked.after = async (call) => {
        // After the copy, another publish writes the immutable tag of this release.
        if (call.method === 'copyImage') {
          hooked.after = undefined;
          await pushImage(rival, registry(), 'acme/conflict:6.1.0-debian-12-r0');
        }
      };

      const error = await release('conflict-ours', 'acme/conflict', '6.1.0', { registry: hooked }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ReleaseConflictError);
      const conflict = error as ReleaseConflictError;
      expect(conflict.code).toBe('IMMUTABLE_TAG_CONFLICT');
      expect(conflict.phase).toBe('before-write');
      expect(conflict.expectedDigest).toBe(ours.digest);
      expect(conflict.actualDigest).toBe(rival.digest);
      expect(conflict.written).toEqual([]);
      expect(conflict.message).toContain(`6.1.0-debian-12-r0 -> ${rival.digest}`);
      expect(conflict.message).toContain(`latest -> ${base.digest}`);
      expect(await skopeoDigest(`docker://${registry().host}/acme/conflict:latest`, backend().target)).toBe(base.digest);
      expect(await skopeoDigest(`docker://${registry().host}/acme/conflict:6`, backend().target)).toBe(base.digest);
    },
    TIMEOUT,
  );

  it(
    'detects an overwrite of the immutable tag right after the write',
    async () => {
      await stage('overwrite-base');
      await release('overwrite-base', 'acme/overwrite', '6.0.0');
      await stage('overwrite-ours');
      const rival = await stage('overwrite-rival');
      const hooked = new HookedRegistry(new ClientRegistry(client));
      hooked.after = async (call) => {
        if (call.method === 'putManifest' && call.target.endsWith(':6.1.0-debian-12-r0')) {
          hooked.after = undefined;
          await pushImage(rival, registry(), 'acme/overwrite:6.1.0-debian-12-r0');
        }
      };

      const error = await release('overwrite-ours', 'acme/overwrite', '6.1.0', { registry: hooked }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ReleaseConflictError);
      expect(error).toMatchObject({ phase: 'after-write', actualDigest: rival.digest, written: ['6.1.0-debian-12-r0'] });
      const tags = await skopeoTagMap(backend(), 'acme/overwrite');
      expect(tags['6.1.0']).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'lets exactly one of two publishes racing for one immutable tag succeed',
    async () => {
      const left = await stage('race-left');
      const right = await stage('race-right');
      // Both runs plan revision 0 and wait for each other before writing its immutable tag, then
      // again after the write, so both writes land before either reads the tag back: the window a
      // registry without conditional PUT leaves open.
      const barrier = () => {
        let arrived = 0;
        let open: () => void = () => undefined;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return async () => {
          arrived += 1;
          if (arrived === 2) {
            open();
          }
          await opened;
        };
      };
      const beforeWrite = barrier();
      const afterWrite = barrier();
      const racer = () => {
        const hooked = new HookedRegistry(new ClientRegistry(client));
        const isImmutableWrite = (call: HookedCall) => call.method === 'putManifest' && call.target.endsWith(':8.0.0-debian-12-r0');
        hooked.before = async (call) => {
          if (isImmutableWrite(call)) {
            await beforeWrite();
          }
        };
        hooked.after = async (call) => {
          if (isImmutableWrite(call)) {
            await afterWrite();
          }
        };
        return hooked;
      };

      const outcomes = await Promise.allSettled([
        release('race-left', 'acme/race', '8.0.0', { registry: racer() }),
        release('race-right', 'acme/race', '8.0.0', { registry: racer() }),
      ]);

      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]?.reason).toBeInstanceOf(ReleaseConflictError);
      expect(losers[0]?.reason).toMatchObject({ phase: 'after-write' });

      const winner = (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof release>>>).value.digest;
      const loser = winner === left.digest ? right : left;
      const tags = await skopeoTagMap(backend(), 'acme/race');
      expect(tags).toEqual(
        sortedTags({ '8.0.0-debian-12-r0': winner, '8.0.0': winner, '8-debian-12': winner, '8': winner, latest: winner }),
      );

      const retried = await release(loser === left ? 'race-left' : 'race-right', 'acme/race', '8.0.0');
      expect(retried.revision).toBe(1);
      expect((await skopeoTagMap(backend(), 'acme/race'))['8.0.0-debian-12-r1']).toBe(loser.digest);
    },
    TIMEOUT,
  );
});

describe('publish release gate on Distribution', () => {
  it(
    'lets the gate pull the image by digest before any tag exists',
    async () => {
      const image = await stage('gate-pass');
      const skopeo = await findTool('skopeo');
      const command = `${skopeo} --insecure-policy inspect --raw --tls-verify=false --no-creds "docker://$TAGKEEPER_REFERENCE" > /dev/null`;
      const tagsDuringGate: string[][] = [];
      const hooked = new HookedRegistry(new ClientRegistry(client));

      const result = await release('gate-pass', 'acme/gate', '9.0.0', {
        registry: hooked,
        verify: async (context) => {
          expect(context.reference).toBe(`${registry().host}/acme/gate@${image.digest}`);
          tagsDuringGate.push(await client.listTags(`${registry().host}/acme/gate`).then((listing) => listing.tags, () => []));
          await runVerifyCommand({ command }, context);
        },
      });

      expect(result.outcome).toBe('published');
      expect(tagsDuringGate).toEqual([[]]);
    },
    TIMEOUT,
  );

  it(
    'moves nothing when the gate fails',
    async () => {
      await stage('gate-fail');

      const error = await release('gate-fail', 'acme/gate-fail', '9.0.0', { verify: { command: 'echo "scan found 2 critical issues" >&2; exit 4' } }).catch(
        (caught: unknown) => caught,
      );

      expect(error).toBeInstanceOf(VerifyFailedError);
      expect(error).toMatchObject({ exitCode: 4 });
      expect((error as Error).message).toContain('scan found 2 critical issues');
      const listing = await client.listTags(`${registry().host}/acme/gate-fail`).catch((caught: unknown) => caught);
      expect(listing).toMatchObject({ status: 404 });
    },
    TIMEOUT,
  );
});

describe('publish sources on Distribution', () => {
  it(
    'copies a multi-platform index from another registry',
    async () => {
      const image = await buildIndex(layout, 'remote', [
        { seed: 'remote', platform: { os: 'linux', architecture: 'amd64' } },
        { seed: 'remote', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ]);
      await pushImage(image, other(), 'builds/app:remote');

      const result = await publish({
        client,
        source: `${other().host}/builds/app:remote`,
        target: `${registry().host}/acme/remote`,
        version: '2.0.0',
        distro: 'debian-12',
      });

      expect(result.digest).toBe(image.digest);
      expect(result.applied?.copy?.blobsCopied).toBeGreaterThan(0);
      expect(result.applied?.copy?.blobsMounted).toBe(0);
      const target = `docker://${registry().host}/acme/remote`;
      expect(await skopeoDigest(`${target}:2.0.0-debian-12-r0`, backend().target)).toBe(image.digest);
      expect(await skopeoDigest(`${target}:latest`, backend().target)).toBe(image.digest);
    },
    TIMEOUT,
  );

  it(
    'mounts the blobs of a source in another repository of the same registry',
    async () => {
      const image = await stage('mounted');

      const result = await release('mounted', 'acme/mounted', '1.0.0');

      expect(result.applied?.copy?.blobsMounted).toBe(image.layerDigests.length + 1);
      expect(result.applied?.copy?.blobsCopied).toBe(0);
    },
    TIMEOUT,
  );
});
