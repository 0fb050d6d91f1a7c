/**
 * Two publishes of different builds of the same version, started together
 * against CNCF Distribution. A registry has no compare-and-swap on tags, so
 * which one wins is up to timing. Whatever the timing, each build gets at
 * most one immutable tag, no rolling tag moves back to an older release,
 * and a loser reports what happened with a typed error. A forced interleaving
 * through two fault proxies checks that no rolling tag is left on a build
 * without an immutable tag.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { publish } from '../../src/release/publish.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { describeError, settle, tagDigests } from './scenario.js';

const ROUNDS = 6;
const IMMUTABLE = /^\d+\.\d+\.\d+-debian-12-r\d+$/;

const registry = useDistribution();
let layout: string;
let base: BuiltImage;
const builds: BuiltImage[] = [];

beforeAll(async () => {
  layout = await makeTempDir('faults-race');
  base = await buildImage(join(layout, 'oci'), 'base', { seed: 'race-base' });
  await pushImage(base, registry(), 'staging/app:base');
  for (const name of ['a', 'b']) {
    const build = await buildImage(join(layout, 'oci'), name, { seed: `race-${name}` });
    await pushImage(build, registry(), `staging/app:${name}`);
    builds.push(build);
  }
}, 120_000);

afterAll(async () => {
  await removeDir(layout);
});

function release(client: RegistryClient, image: string, repository: string, version: string, host = registry().host) {
  return publish({ client, source: `${host}/staging/app:${image}`, target: `${host}/${repository}`, version, distro: 'debian-12' });
}

function newClient(): RegistryClient {
  return new RegistryClient({ credentials: { get: async () => undefined }, env: {} });
}

/** Codes of the errors a publish that lost a race may end with: a conflict it detected, or the registry failing under concurrent writes. */
const LOSER_CODES = ['IMMUTABLE_TAG_CONFLICT', 'ROLLING_TAG_CHANGED', 'TAG_READBACK_MISMATCH', 'HTTP_500'];

describe('concurrent publishes of one version', () => {
  it.each(Array.from({ length: ROUNDS }, (_, round) => round + 1))(
    'round %i: one immutable tag per build, no tag moves back',
    async (round) => {
      const repository = `acme/race-${round}`;
      const setup = newClient();
      await release(setup, 'base', repository, '1.0.0');
      await setup.close();

      // Separate clients, as two CI jobs would have.
      const clients = [newClient(), newClient()];
      const outcomes = await Promise.all([
        settle(() => release(clients[0] as RegistryClient, 'a', repository, '1.0.1')),
        settle(() => release(clients[1] as RegistryClient, 'b', repository, '1.0.1')),
      ]);
      await Promise.all(clients.map((client) => client.close()));
      const tags = await tagDigests(registry().host, repository);

      for (const outcome of outcomes) {
        if (!outcome.ok) {
          expect(isTagkeeperError(outcome.error), describeError(outcome.error)).toBe(true);
          expect(LOSER_CODES, describeError(outcome.error)).toContain((outcome.error as { code: string }).code);
        }
      }

      const immutable = Object.entries(tags).filter(([tag]) => IMMUTABLE.test(tag));
      const withName = new Set(immutable.map(([, digest]) => digest));
      for (const build of builds) {
        expect(immutable.filter(([, digest]) => digest === build.digest).length, `immutable tags of ${build.digest}`).toBeLessThanOrEqual(1);
      }
      expect(tags['1.0.0-debian-12-r0']).toBe(base.digest);
      expect(tags['1.0.0']).toBe(base.digest);

      // Each rolling tag is where it was, or on one of the two 1.0.1 builds: never on anything older.
      const allowed = new Set([base.digest, ...builds.map((build) => build.digest)]);
      for (const tag of ['1', '1-debian-12', 'latest']) {
        expect(allowed.has(tags[tag] as string), `${tag} -> ${tags[tag]}`).toBe(true);
      }
      expect([undefined, ...builds.map((build) => build.digest)]).toContain(tags['1.0.1']);
      expect(withName.size).toBeGreaterThanOrEqual(2);

      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.ok) {
          expect(tags[outcome.value.immutable], `winner ${index} lost its immutable tag`).toBe(builds[index]?.digest);
        }
      }
    },
    120_000,
  );
});

/**
 * Forces this order through one proxy per publish: both plan revision 0,
 * A writes the immutable tag and checks it, B overwrites it, then A writes
 * its first rolling tag. A then finds the immutable tag overwritten, and B
 * finds the rolling tag changed and stops. Once B has stopped, A moves that
 * rolling tag to B's image, which the immutable tag points to.
 */
describe('publishes interleaved at the immutable tag', () => {
  let proxies: FaultProxy[] = [];

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
  });

  it('leaves no rolling tag on a build without an immutable tag', async () => {
    const repository = 'acme/race-forced';
    const setup = newClient();
    await release(setup, 'base', repository, '1.0.0');
    await setup.close();

    const signal = () => {
      let open = () => undefined as void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open: () => open(), opened };
    };
    const bAtImmutablePut = signal();
    const aAtRollingPut = signal();
    const bImmutableStored = signal();
    const aRollingStored = signal();
    const bStopped = signal();
    let bImmutableForwarded = false;
    let aRollingForwarded = false;

    const immutablePut = /\/manifests\/1\.0\.1-debian-12-r0$/;
    const proxyA = await startFaultProxy({
      upstream: registry().url,
      rules: [
        { name: 'A immutable', method: 'PUT', path: immutablePut, fault: { kind: 'pause', until: () => bAtImmutablePut.opened } },
        {
          // The second PUT is A moving the tag to B's image; it waits until B has stopped.
          name: 'A rolling',
          method: 'PUT',
          path: /\/manifests\/1\.0\.1$/,
          nth: [1, 2],
          fault: {
            kind: 'pause',
            until: async () => {
              if (aRollingForwarded) {
                await bStopped.opened;
                return;
              }
              aAtRollingPut.open();
              await bImmutableStored.opened;
              aRollingForwarded = true;
            },
          },
        },
        {
          // A sends its next request only after the response to its rolling PUT.
          name: 'A after rolling',
          method: 'HEAD',
          path: /\/manifests\//,
          nth: 'every',
          fault: {
            kind: 'pause',
            until: () => {
              if (aRollingForwarded) aRollingStored.open();
            },
          },
        },
      ],
    });
    const proxyB = await startFaultProxy({
      upstream: registry().url,
      rules: [
        {
          name: 'B immutable',
          method: 'PUT',
          path: immutablePut,
          fault: {
            kind: 'pause',
            until: async () => {
              bAtImmutablePut.open();
              await aAtRollingPut.opened;
              bImmutableForwarded = true;
            },
          },
        },
        {
          // B checks the rolling tag before its write only after A's write of it landed.
          name: 'B rolling check',
          method: 'HEAD',
          path: /\/manifests\/1\.0\.1$/,
          nth: 'every',
          fault: {
            kind: 'pause',
            until: async () => {
              if (bImmutableForwarded) await aRollingStored.opened;
            },
          },
        },
        {
          // B reads the immutable tag back only after the response to its PUT.
          name: 'B after immutable',
          method: 'HEAD',
          path: /\/manifests\//,
          nth: 'every',
          fault: {
            kind: 'pause',
            until: () => {
              if (bImmutableForwarded) bImmutableStored.open();
            },
          },
        },
      ],
    });
    proxies = [proxyA, proxyB];

    const clients = [newClient(), newClient()];
    const [a, b] = await Promise.all([
      settle(() => release(clients[0] as RegistryClient, 'a', repository, '1.0.1', proxyA.host)),
      settle(() => release(clients[1] as RegistryClient, 'b', repository, '1.0.1', proxyB.host)).finally(() => bStopped.open()),
    ]);
    await Promise.all(clients.map((client) => client.close()));
    const tags = await tagDigests(registry().host, repository);

    // The interleaving happened as forced: each publish stopped with a typed error naming the race.
    expect(a.ok ? 'ok' : (a.error as { code: string }).code).toBe('IMMUTABLE_TAG_CONFLICT');
    expect(b.ok ? 'ok' : (b.error as { code: string }).code).toBe('ROLLING_TAG_CHANGED');
    expect(a.ok ? [] : (a.error as { repairs: unknown }).repairs).toEqual([{ tag: '1.0.1', outcome: 'moved', digest: builds[1]?.digest }]);
    expect(tags['1.0.1-debian-12-r0']).toBe(builds[1]?.digest);
    expect(tags['1.0.1']).toBe(builds[1]?.digest);
    expect(tags['1']).toBe(base.digest);

    const named = new Set(Object.entries(tags).filter(([tag]) => IMMUTABLE.test(tag)).map(([, digest]) => digest));
    const orphans = Object.entries(tags).filter(([tag, digest]) => !IMMUTABLE.test(tag) && !named.has(digest));
    expect(orphans).toEqual([]);
  });
});
