import { beforeEach, describe, expect, it } from 'vitest';
import { ReleaseConflictError, ReleaseOptionsError, SourceNotFoundError, VerifyFailedError } from '../../src/release/errors.js';
import { publish, type PublishOptions } from '../../src/release/publish.js';
import { FakeReleaseRegistry, InjectedFailure, failAtCall, type FakeImageSpec } from './fake-registry.js';

const staging = { registry: 'reg.test', repository: 'staging/app' };
const target = { registry: 'reg.test', repository: 'acme/app' };
const TARGET = 'reg.test/acme/app';

let registry: FakeReleaseRegistry;

beforeEach(() => {
  registry = new FakeReleaseRegistry();
});

/** Pushes a build to the staging repository and returns its reference by digest. */
function stage(name: string, spec: Partial<FakeImageSpec> = {}): string {
  const digest = registry.addImage(staging, { layers: ['base', name], ...spec });
  return `reg.test/staging/app@${digest}`;
}

function digestOf(reference: string): string {
  return reference.slice(reference.indexOf('@') + 1);
}

function release(source: string, version: string, distro = 'debian-12', extra: Partial<PublishOptions> = {}) {
  return publish({ registry, source, target: TARGET, version, distro, defaultDistro: 'debian-12', ...extra });
}

describe('publish release sequence', () => {
  it('first release creates the immutable tag and the default levels', async () => {
    const build = stage('3.5.9 build 1');

    const result = await release(build, '3.5.9');

    expect(result.outcome).toBe('published');
    expect(result.revision).toBe(0);
    expect(result.immutable).toBe('3.5.9-debian-12-r0');
    expect(result.plan.operations.map((operation) => [operation.tag, operation.action])).toEqual([
      ['3.5.9-debian-12-r0', 'create'],
      ['3.5.9', 'create'],
      ['3-debian-12', 'create'],
      ['3', 'create'],
      ['latest', 'create'],
    ]);
    expect(registry.tagMap(target)).toEqual({
      '3': digestOf(build),
      '3-debian-12': digestOf(build),
      '3.5.9': digestOf(build),
      '3.5.9-debian-12-r0': digestOf(build),
      latest: digestOf(build),
    });
  });

  it('walks rebuilds, a newer version, a backport, a second distro and a prerelease', async () => {
    const first = stage('3.5.9 build 1');
    await release(first, '3.5.9');

    const rebuild = stage('3.5.9 build 2');
    const rebuilt = await release(rebuild, '3.5.9');
    expect(rebuilt.revision).toBe(1);
    expect(rebuilt.plan.operations.filter((operation) => operation.action === 'move').map((operation) => operation.tag)).toEqual([
      '3.5.9',
      '3-debian-12',
      '3',
      'latest',
    ]);

    const newer = stage('3.5.10 build 1');
    await release(newer, '3.5.10');

    const backport = stage('3.4.30 build 1');
    const backported = await release(backport, '3.4.30');
    expect(backported.plan.operations.map((operation) => [operation.tag, operation.action, operation.reason])).toEqual([
      ['3.4.30-debian-12-r0', 'create', 'first revision of 3.4.30 on debian-12'],
      ['3.4.30', 'create', 'new version tag'],
      ['3-debian-12', 'skip', '3.5.10-debian-12-r0 is newer'],
      ['3', 'skip', '3.5.10-debian-12-r0 is newer'],
      ['latest', 'skip', '3.5.10-debian-12-r0 is newer'],
    ]);

    const photon = stage('3.5.10 photon build');
    const onPhoton = await release(photon, '3.5.10', 'photon-5');
    expect(onPhoton.immutable).toBe('3.5.10-photon-5-r0');
    expect(onPhoton.plan.operations.filter((operation) => operation.action !== 'skip').map((operation) => operation.tag)).toEqual([
      '3.5.10-photon-5-r0',
      '3-photon-5',
    ]);

    const candidate = stage('3.6.0-rc1 build');
    const prerelease = await release(candidate, '3.6.0-rc1');
    expect(prerelease.plan.operations.filter((operation) => operation.action !== 'skip').map((operation) => operation.tag)).toEqual([
      '3.6.0-rc1-debian-12-r0',
      '3.6.0-rc1',
    ]);

    expect(registry.tagMap(target)).toEqual({
      '3': digestOf(newer),
      '3-debian-12': digestOf(newer),
      '3-photon-5': digestOf(photon),
      '3.4.30': digestOf(backport),
      '3.4.30-debian-12-r0': digestOf(backport),
      '3.5.10': digestOf(newer),
      '3.5.10-debian-12-r0': digestOf(newer),
      '3.5.10-photon-5-r0': digestOf(photon),
      '3.5.9': digestOf(rebuild),
      '3.5.9-debian-12-r0': digestOf(first),
      '3.5.9-debian-12-r1': digestOf(rebuild),
      '3.6.0-rc1': digestOf(candidate),
      '3.6.0-rc1-debian-12-r0': digestOf(candidate),
      latest: digestOf(newer),
    });
  });

  it('a second run changes nothing', async () => {
    const build = stage('3.5.9 build 1');
    await release(build, '3.5.9');
    registry.calls.length = 0;

    const again = await release(build, '3.5.9');

    expect(again.outcome).toBe('up-to-date');
    expect(again.revision).toBe(0);
    expect(again.plan.revisionChoice.kind).toBe('reused');
    expect(again.plan.operations.every((operation) => operation.action === 'unchanged')).toBe(true);
    expect(registry.writes()).toEqual([]);
    expect(registry.calls.filter((call) => call.method === 'listTags')).toHaveLength(1);
  });

  it('copies a multi-platform index with its children', async () => {
    const digest = registry.addIndex(staging, [
      { layers: ['base', 'amd64'], platform: { os: 'linux', architecture: 'amd64' } },
      { layers: ['base', 'arm64'], platform: { os: 'linux', architecture: 'arm64' } },
    ]);

    const result = await release(`reg.test/staging/app@${digest}`, '1.0.0');

    expect(result.digest).toBe(digest);
    expect(result.plan.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(result.applied?.copy?.blobsCopied).toBe(5);
    expect(registry.tagMap(target)['1.0.0-debian-12-r0']).toBe(digest);
  });

  it('does not copy a source that is already in the target repository', async () => {
    const digest = registry.addImage(target, { layers: ['base', 'pushed straight to the target'] });

    const result = await release(`${TARGET}@${digest}`, '1.0.0');

    expect(result.plan.copy).toBe(false);
    expect(registry.calls.filter((call) => call.method === 'copyImage')).toEqual([]);
    expect(registry.tagMap(target)['1.0.0-debian-12-r0']).toBe(digest);
  });

  it('resolves a staging tag once and copies that digest', async () => {
    const build = stage('tagged build');
    registry.setTag(staging, 'candidate', digestOf(build));

    const result = await release('reg.test/staging/app:candidate', '2.0.0');

    expect(result.plan.sourceReference).toEqual({ ...staging, digest: digestOf(build) });
    expect(result.plan.source).toBe('reg.test/staging/app:candidate');
    expect(registry.tagMap(target)['2.0.0-debian-12-r0']).toBe(digestOf(build));
  });
});

describe('publish dry run', () => {
  it('returns the plan and writes nothing, not even the copy', async () => {
    await release(stage('3.5.9 build 1'), '3.5.9');
    const before = registry.tagMap(target);
    registry.calls.length = 0;

    const result = await release(stage('3.5.10 build 1'), '3.5.10', 'debian-12', { dryRun: true });

    expect(result.outcome).toBe('planned');
    expect(result.applied).toBeUndefined();
    expect(result.plan.copy).toBe(true);
    expect(result.plan.operations.map((operation) => operation.action)).toEqual(['create', 'create', 'move', 'move', 'move']);
    expect(registry.writes()).toEqual([]);
    expect(registry.tagMap(target)).toEqual(before);
  });
});

describe('publish skip-if-unchanged', () => {
  const spec = (created: string, app = 'app v1'): Partial<FakeImageSpec> => ({
    layers: ['base', app],
    config: { created, history: [{ created, created_by: 'COPY app /' }] },
  });

  it('keeps the newest revision when only timestamps differ', async () => {
    const monday = stage('', spec('2024-05-06T02:00:00Z'));
    await release(monday, '3.5.9');
    registry.calls.length = 0;

    const tuesday = stage('', spec('2024-05-07T02:00:00Z'));
    const result = await release(tuesday, '3.5.9', 'debian-12', { skipIfUnchanged: true });

    expect(digestOf(tuesday)).not.toBe(digestOf(monday));
    expect(result.outcome).toBe('unchanged');
    expect(result.revision).toBe(0);
    expect(result.digest).toBe(digestOf(monday));
    expect(result.plan.revisionChoice.kind).toBe('unchanged');
    expect(result.plan.revisionChoice.reason).toBe(
      `${tuesday} differs from 3.5.9-debian-12-r0 only in build timestamps (same layers on the image, configs differ only in build timestamps)`,
    );
    expect(result.plan.operations[0]?.reason).toBe('already points to this image; the source differs from it only in build timestamps');
    expect(registry.writes()).toEqual([]);
    expect(registry.tagMap(target)['3.5.9-debian-12-r1']).toBeUndefined();
  });

  it('makes a new revision when a layer changed, and says why', async () => {
    await release(stage('', spec('2024-05-06T02:00:00Z')), '3.5.9');

    const patched = stage('', spec('2024-05-07T02:00:00Z', 'app v1 with security fix'));
    const result = await release(patched, '3.5.9', 'debian-12', { skipIfUnchanged: true });

    expect(result.outcome).toBe('published');
    expect(result.revision).toBe(1);
    expect(result.plan.operations[0]?.reason).toBe(
      'rebuild of 3.5.9 on debian-12 changed since 3.5.9-debian-12-r0: layer 2 of 2 differs on the image',
    );
  });

  it('without the flag, a timestamp-only rebuild is a new revision', async () => {
    await release(stage('', spec('2024-05-06T02:00:00Z')), '3.5.9');

    const result = await release(stage('', spec('2024-05-07T02:00:00Z')), '3.5.9');

    expect(result.revision).toBe(1);
  });
});

describe('publish conflicts', () => {
  it('rejects an explicit revision that holds another image before writing', async () => {
    await release(stage('first'), '3.5.9');
    registry.calls.length = 0;

    const failure = release(stage('second'), '3.5.9', 'debian-12', { revision: 0 });

    await expect(failure).rejects.toBeInstanceOf(ReleaseConflictError);
    await expect(failure).rejects.toMatchObject({ code: 'IMMUTABLE_TAG_CONFLICT', tag: '3.5.9-debian-12-r0', phase: 'before-write' });
    expect(registry.writes()).toEqual([]);
  });

  it('lets one of two racing publishes of the same version win', async () => {
    const left = stage('racer left');
    const right = stage('racer right');

    const outcomes = await Promise.allSettled([release(left, '4.0.1'), release(right, '4.0.1')]);

    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ReleaseConflictError);

    const winner = (fulfilled[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof release>>>).value.digest;
    const tags = registry.tagMap(target);
    expect(tags['4.0.1-debian-12-r0']).toBe(winner);
    expect(tags.latest).toBe(winner);
    expect(tags['4.0.1']).toBe(winner);
  });

  it('releases the loser of a race as the next revision on a re-run', async () => {
    const left = stage('racer left');
    const right = stage('racer right');
    const outcomes = await Promise.allSettled([release(left, '4.0.1'), release(right, '4.0.1')]);
    const loser = outcomes[0]?.status === 'rejected' ? left : right;

    const retried = await release(loser, '4.0.1');

    expect(retried.revision).toBe(1);
    expect(registry.tagMap(target)['4.0.1-debian-12-r1']).toBe(digestOf(loser));
    expect(registry.tagMap(target).latest).toBe(digestOf(loser));
  });
});

describe('publish repairs a race the checks missed', () => {
  it('gives the finished image the next revision', async () => {
    const first = stage('finished first');
    const second = stage('overwrote later');
    await release(first, '4.0.1');
    // The other run's late PUT overwrote the immutable tag after this run had finished.
    registry.setTag(target, '4.0.1-debian-12-r0', digestOf(second));

    const repaired = await release(first, '4.0.1');

    expect(repaired.revision).toBe(1);
    expect(repaired.plan.operations.filter((operation) => operation.role === 'rolling').map((operation) => operation.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(registry.tagMap(target)).toEqual({
      '4': digestOf(first),
      '4-debian-12': digestOf(first),
      '4.0.1': digestOf(first),
      '4.0.1-debian-12-r0': digestOf(second),
      '4.0.1-debian-12-r1': digestOf(first),
      latest: digestOf(first),
    });
  });
});

describe('publish release gate', () => {
  it('moves nothing when the gate fails, and a re-run finishes the same revision', async () => {
    await release(stage('3.5.9 build 1'), '3.5.9');
    const before = registry.tagMap(target);
    const build = stage('3.5.10 build 1');

    const failure = release(build, '3.5.10', 'debian-12', { verify: { command: 'exit 1' } });

    await expect(failure).rejects.toBeInstanceOf(VerifyFailedError);
    expect(registry.tagMap(target)).toEqual(before);

    const retried = await release(build, '3.5.10', 'debian-12', { verify: { command: 'test -n "$TAGKEEPER_DIGEST"' } });
    expect(retried.revision).toBe(0);
    expect(retried.plan.copy).toBe(false);
    expect(registry.tagMap(target)['3.5.10-debian-12-r0']).toBe(digestOf(build));
  });
});

describe('publish input checks', () => {
  it.each([
    { name: 'invalid version', options: { version: '3.x' }, code: 'INVALID_VERSION' },
    { name: 'invalid distro', options: { distro: 'Debian' }, code: 'INVALID_TAG' },
    { name: 'invalid default distro', options: { defaultDistro: 'bookworm' }, code: 'INVALID_TAG' },
    { name: 'negative revision', options: { revision: -1 }, code: 'INVALID_ARGUMENT' },
    { name: 'fractional revision', options: { revision: 1.5 }, code: 'INVALID_ARGUMENT' },
    { name: 'target with a tag', options: { target: 'reg.test/acme/app:1' }, code: 'INVALID_REFERENCE' },
    { name: 'uppercase source', options: { source: 'reg.test/Staging/App:1' }, code: 'INVALID_REFERENCE' },
    { name: 'unknown policy level', options: { policy: { levels: ['patch'] } }, code: 'TAG_POLICY' },
    { name: 'zero concurrency', options: { concurrency: 0 }, code: 'INVALID_ARGUMENT' },
  ])('rejects $name before any request', async ({ options, code }) => {
    const failure = release(stage('build'), '1.0.0', 'debian-12', options as Partial<PublishOptions>);

    await expect(failure).rejects.toMatchObject({ code });
    expect(registry.calls).toEqual([]);
  });

  it('names the revision in its error', async () => {
    const error = await release(stage('build'), '1.0.0', 'debian-12', { revision: -1 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReleaseOptionsError);
    expect((error as Error).message).toBe('invalid revision: -1; expected "auto" or a whole number from 0');
  });

  it('reports a missing source by its reference', async () => {
    const missing = `reg.test/staging/app@sha256:${'0'.repeat(64)}`;

    const error = await release(missing, '1.0.0').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SourceNotFoundError);
    expect((error as Error).message).toContain(missing);
    expect(registry.writes()).toEqual([]);
  });
});

describe('publish after an injected failure', () => {
  /** Publishes 3.5.9 and 3.5.10 before the release under test, so it moves existing tags too. */
  async function seed(): Promise<void> {
    await release(stage('3.5.9 build 1'), '3.5.9');
    await release(stage('3.5.8 photon build'), '3.5.8', 'photon-5');
  }

  async function cleanRunTags(): Promise<Record<string, string>> {
    const clean = new FakeReleaseRegistry();
    const saved = registry;
    registry = clean;
    try {
      await seed();
      await release(stage('3.5.10 build 1'), '3.5.10');
      return registry.tagMap(target);
    } finally {
      registry = saved;
    }
  }

  async function countCalls(): Promise<number> {
    const saved = registry;
    registry = new FakeReleaseRegistry();
    try {
      await seed();
      const build = stage('3.5.10 build 1');
      registry.calls.length = 0;
      await release(build, '3.5.10');
      return registry.calls.length;
    } finally {
      registry = saved;
    }
  }

  it('finishes the release on a re-run whichever request failed', async () => {
    const expected = await cleanRunTags();
    const calls = await countCalls();
    expect(calls).toBeGreaterThan(10);

    for (let failAt = 0; failAt < calls; failAt += 1) {
      for (const when of ['before', 'after'] as const) {
        registry = new FakeReleaseRegistry();
        await seed();
        const build = stage('3.5.10 build 1');
        registry.calls.length = 0;
        if (when === 'before') {
          failAtCall(registry, failAt);
        } else {
          // The request reached the registry but its response was lost.
          let seen = 0;
          registry.afterCall = (call) => {
            if (seen++ === failAt) {
              throw new InjectedFailure(call);
            }
          };
        }

        await expect(release(build, '3.5.10'), `failure ${when} call ${failAt}`).rejects.toBeInstanceOf(InjectedFailure);
        registry.beforeCall = undefined;
        registry.afterCall = undefined;

        const resumed = await release(build, '3.5.10');
        expect(resumed.revision, `failure ${when} call ${failAt}`).toBe(0);
        expect(registry.tagMap(target), `failure ${when} call ${failAt}`).toEqual(expected);

        const again = await release(build, '3.5.10');
        expect(again.outcome, `failure ${when} call ${failAt}`).toBe('up-to-date');
      }
    }
  });
});
