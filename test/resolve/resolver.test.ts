import { beforeEach, describe, expect, it } from 'vitest';
import { ReferenceNotFoundError } from '../../src/resolve/errors.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { candidatesFor, resolvePolicy } from '../../src/resolve/candidates.js';
import { parseTag, type RollingTag } from '../../src/scheme/tag.js';
import { FakeResolveRegistry } from './fake-resolve-registry.js';

const repo = { registry: 'reg.test', repository: 'bitnami/etcd' };
const REPO = 'reg.test/bitnami/etcd';

let registry: FakeResolveRegistry;
const builds: Record<string, string> = {};

/** Publishes by hand: an image per immutable tag, then the rolling tags pointed at the given immutable tags. */
function seed(immutable: string[], rolling: Record<string, string>): void {
  for (const tag of immutable) {
    builds[tag] = registry.addImage(repo, { layers: ['base', tag] });
    registry.setTag(repo, tag, builds[tag] as string);
  }
  for (const [tag, target] of Object.entries(rolling)) {
    registry.setTag(repo, tag, builds[target] as string);
  }
}

beforeEach(() => {
  registry = new FakeResolveRegistry();
  seed(
    [
      '3.4.12-debian-10-r3',
      '3.4.13-debian-10-r7',
      '3.4.13-debian-10-r8',
      '3.5.0-debian-11-r0',
      '3.5.0-photon-5-r0',
      '3.6.0-rc1-debian-11-r0',
    ],
    {
      '3': '3.5.0-debian-11-r0',
      '3-debian-11': '3.5.0-debian-11-r0',
      '3-photon-5': '3.5.0-photon-5-r0',
      '3.4': '3.4.13-debian-10-r8',
      '3.4.13': '3.4.13-debian-10-r8',
      '3.6.0-rc1': '3.6.0-rc1-debian-11-r0',
      latest: '3.5.0-debian-11-r0',
      nightly: '3.4.12-debian-10-r3',
    },
  );
});

function heads(): string[] {
  return registry.calls.filter((call) => call.method === 'headManifest').map((call) => call.target);
}

describe('Resolver reference kinds', () => {
  it.each([
    { ref: `${REPO}:3`, kind: 'rolling', twin: ['3.5.0-debian-11-r0'] },
    { ref: `${REPO}:latest`, kind: 'rolling', twin: ['3.5.0-debian-11-r0'] },
    { ref: `${REPO}`, kind: 'rolling', twin: ['3.5.0-debian-11-r0'] },
    { ref: `${REPO}:3-photon-5`, kind: 'rolling', twin: ['3.5.0-photon-5-r0'] },
    { ref: `${REPO}:3.4`, kind: 'rolling', twin: ['3.4.13-debian-10-r8'] },
    { ref: `${REPO}:3.4.13`, kind: 'rolling', twin: ['3.4.13-debian-10-r8'] },
    { ref: `${REPO}:3.6.0-rc1`, kind: 'rolling', twin: ['3.6.0-rc1-debian-11-r0'] },
    { ref: `${REPO}:3.4.13-debian-10-r7`, kind: 'immutable', twin: ['3.4.13-debian-10-r7'] },
  ])('$ref resolves to $twin', async ({ ref, kind, twin }) => {
    const resolver = new Resolver({ registry });

    const result = await resolver.resolve(ref);

    expect(result.kind).toBe(kind);
    expect(result.immutableTags).toEqual(twin);
    expect(result.digest).toBe(builds[twin[0] as string]);
    expect(result.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(result.reference).toBe(ref);
    expect(result.warning).toBeUndefined();
  });

  it('resolves a digest reference to itself without listing tags', async () => {
    const digest = builds['3.4.12-debian-10-r3'] as string;
    const result = await new Resolver({ registry }).resolve(`${REPO}:3@${digest}`);

    expect(result).toEqual({
      reference: `${REPO}:3@${digest}`,
      kind: 'digest',
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      immutableTags: [],
    });
    expect(registry.calls.map((call) => call.method)).toEqual(['headManifest']);
  });

  it('lists every immutable tag of a digest, newest first', async () => {
    const digest = builds['3.4.12-debian-10-r3'] as string;
    registry.setTag(repo, '3.4.14-debian-10-r0', digest);
    registry.setTag(repo, '3.4.11-debian-10-r9', digest);

    const result = await new Resolver({ registry }).resolve(`${REPO}@${digest}`, { findDigestTags: true });

    expect(result.kind).toBe('digest');
    expect(result.immutableTags).toEqual(['3.4.14-debian-10-r0', '3.4.12-debian-10-r3', '3.4.11-debian-10-r9']);
    expect(result.warning).toBeUndefined();
  });

  it('reads each immutable tag once and no other tag for a digest', async () => {
    const resolver = new Resolver({ registry });
    const digest = builds['3.5.0-photon-5-r0'] as string;

    await resolver.resolve(`${REPO}:3.4.13-debian-10-r8`);
    const result = await resolver.resolve(`${REPO}@${digest}`, { findDigestTags: true });

    expect(result.immutableTags).toEqual(['3.5.0-photon-5-r0']);
    expect(registry.calls.filter((call) => call.method === 'listTags')).toHaveLength(1);
    const immutable = ['3.4.12-debian-10-r3', '3.4.13-debian-10-r7', '3.4.13-debian-10-r8', '3.5.0-debian-11-r0', '3.5.0-photon-5-r0', '3.6.0-rc1-debian-11-r0'];
    expect(heads().sort()).toEqual([`${REPO}@${digest}`, ...immutable.map((tag) => `${REPO}:${tag}`)].sort());
  });

  it.each([
    { name: 'an image without immutable tag', tags: true, warning: /^none of the 6 immutable tags of reg\.test\/bitnami\/etcd points to sha256:/ },
    { name: 'a repository without immutable tags', tags: false, warning: /^reg\.test\/bitnami\/etcd has no immutable tags; the digest may be/ },
  ])('warns when no immutable tag has the digest: $name', async ({ tags, warning }) => {
    if (!tags) {
      registry = new FakeResolveRegistry();
    }
    const digest = registry.addImage(repo, { layers: ['pushed by hand'] });

    const result = await new Resolver({ registry }).resolve(`${REPO}@${digest}`, { findDigestTags: true });

    expect(result.immutableTags).toEqual([]);
    expect(result.warning).toMatch(warning);
  });

  it('reports a foreign tag with a warning', async () => {
    const result = await new Resolver({ registry }).resolve(`${REPO}:nightly`);

    expect(result.kind).toBe('foreign');
    expect(result.immutableTags).toEqual([]);
    expect(result.warning).toContain('nightly is not a tag of the scheme');
  });

  it('reports a rolling tag without an immutable twin', async () => {
    registry.setTag(repo, '3', registry.addImage(repo, { layers: ['pushed by hand'] }));

    const result = await new Resolver({ registry }).resolve(`${REPO}:3`);

    expect(result.immutableTags).toEqual([]);
    expect(result.warning).toContain('none of the 5 immutable tags of its scope');
    expect(result.warning).toContain('newest: 3.5.0-photon-5-r0');
  });

  it('reports a rolling tag whose scope is empty', async () => {
    registry.setTag(repo, '9', builds['3.4.12-debian-10-r3'] as string);

    const result = await new Resolver({ registry }).resolve(`${REPO}:9`);

    expect(result.immutableTags).toEqual([]);
    expect(result.warning).toContain('has no immutable tag in its scope');
  });

  it('throws a not-found error naming a missing tag', async () => {
    const failure = new Resolver({ registry }).resolve(`${REPO}:2`);

    await expect(failure).rejects.toBeInstanceOf(ReferenceNotFoundError);
    await expect(failure).rejects.toThrow(`${REPO}:2 not found`);
  });

  it.each([
    { ref: 'reg.test/Bitnami/etcd:3', code: 'INVALID_REFERENCE' },
    { ref: 'reg.test/bitnami/etcd:', code: 'INVALID_REFERENCE' },
  ])('rejects $ref before any request', async ({ ref, code }) => {
    await expect(new Resolver({ registry }).resolve(ref)).rejects.toMatchObject({ code });
    expect(registry.calls).toEqual([]);
  });
});

describe('Resolver request budget', () => {
  it('reads the newest candidate first and stops at the match', async () => {
    await new Resolver({ registry }).resolve(`${REPO}:3.4.13`);

    expect(heads()).toEqual([`${REPO}:3.4.13`, `${REPO}:3.4.13-debian-10-r8`]);
  });

  it('lists each repository once and reads each tag once across references', async () => {
    const resolver = new Resolver({ registry, policy: { defaultDistro: 'debian-11' } });

    await resolver.resolveAll([`${REPO}:3`, `${REPO}:latest`, `${REPO}:3-debian-11`, `${REPO}:3`]);

    expect(registry.calls.filter((call) => call.method === 'listTags')).toHaveLength(1);
    expect(heads().sort()).toEqual([`${REPO}:3`, `${REPO}:3-debian-11`, `${REPO}:3.5.0-debian-11-r0`, `${REPO}:latest`]);
    expect(resolver.requests).toEqual({ listTags: 1, headManifest: 4, resolvePlatform: 0 });
  });

  it('reads the newest of each distro first when the default distro is unknown', async () => {
    const result = await new Resolver({ registry }).resolve(`${REPO}:3`);

    expect(result.immutableTags).toEqual(['3.5.0-debian-11-r0']);
    expect(heads()).toEqual([`${REPO}:3`, `${REPO}:3.5.0-photon-5-r0`, `${REPO}:3.5.0-debian-11-r0`, `${REPO}:3.4.13-debian-10-r8`]);
  });

  it('keeps at most the concurrency limit of requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const original = registry.headManifest.bind(registry);
    registry.headManifest = async (reference) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return original(reference);
    };
    const refs = ['3', '3-debian-11', '3-photon-5', '3.4', '3.4.13', 'latest', '3.6.0-rc1'].map((tag) => `${REPO}:${tag}`);

    await new Resolver({ registry, concurrency: 2 }).resolveAll(refs);

    expect(peak).toBe(2);
  });

  it('tries older candidates in batches after the newest misses', async () => {
    // 3.4 moved back by hand to r7: the newest candidate misses.
    registry.setTag(repo, '3.4', builds['3.4.13-debian-10-r7'] as string);

    const result = await new Resolver({ registry, concurrency: 2 }).resolve(`${REPO}:3.4`);

    expect(result.immutableTags).toEqual(['3.4.13-debian-10-r7']);
    expect(heads()).toEqual([`${REPO}:3.4`, `${REPO}:3.4.13-debian-10-r8`, `${REPO}:3.4.13-debian-10-r7`, `${REPO}:3.4.12-debian-10-r3`]);
  });
});

describe('Resolver platforms', () => {
  it('reports the platform manifest of an index next to the index digest', async () => {
    const index = registry.addIndex(repo, [
      { layers: ['base', 'amd64'], platform: { os: 'linux', architecture: 'amd64' } },
      { layers: ['base', 'arm64'], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    registry.setTag(repo, '4.0.0-debian-12-r0', index);
    registry.setTag(repo, '4', index);

    const result = await new Resolver({ registry, policy: { defaultDistro: 'debian-12' } }).resolve(`${REPO}:4`, { platform: 'linux/arm64' });

    expect(result.digest).toBe(index);
    expect(result.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(result.immutableTags).toEqual(['4.0.0-debian-12-r0']);
    expect(result.platform?.platform).toBe('linux/arm64/v8');
    expect(result.platform?.digest).not.toBe(index);
    expect(result.platform?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it.each([
    { platform: 'linux/s390x', code: 'PLATFORM_NOT_FOUND' },
    { platform: 'linux', code: 'INVALID_PLATFORM' },
  ])('rejects platform $platform', async ({ platform, code }) => {
    await expect(new Resolver({ registry }).resolve(`${REPO}:3`, { platform })).rejects.toMatchObject({ code });
  });
});

describe('candidatesFor', () => {
  const published = [
    '3.4.13-debian-10-r8',
    '3.4.13-debian-10-r10',
    '3.4.13-debian-10-r9',
    '3.5.0-debian-11-r0',
    '3.5.0-photon-5-r1',
    '3.5.1-rc1-debian-11-r0',
    '3.5-debian-11',
    'nightly',
  ];
  const rolling = (tag: string) => parseTag(tag) as RollingTag;

  it.each([
    { tag: '3.4.13', policy: undefined, expected: ['3.4.13-debian-10-r10', '3.4.13-debian-10-r9', '3.4.13-debian-10-r8'], firstRound: 1 },
    { tag: '3-photon-5', policy: undefined, expected: ['3.5.0-photon-5-r1'], firstRound: 1 },
    {
      tag: '3',
      policy: undefined,
      expected: ['3.5.0-photon-5-r1', '3.5.0-debian-11-r0', '3.4.13-debian-10-r10', '3.4.13-debian-10-r9', '3.4.13-debian-10-r8'],
      firstRound: 3,
    },
    { tag: '3', policy: { defaultDistro: 'debian-11' }, expected: ['3.5.0-debian-11-r0'], firstRound: 1 },
    { tag: '3.5', policy: undefined, expected: ['3.5.0-photon-5-r1', '3.5.0-debian-11-r0'], firstRound: 2 },
    { tag: '3.5.1-rc1', policy: undefined, expected: ['3.5.1-rc1-debian-11-r0'], firstRound: 1 },
    { tag: '2', policy: undefined, expected: [], firstRound: 1 },
  ])('$tag under $policy', ({ tag, policy, expected, firstRound }) => {
    const resolved = resolvePolicy(policy === undefined ? undefined : { levels: ['latest', 'major', 'minor', 'version', 'major-distro'], ...policy });

    const candidates = candidatesFor(rolling(tag), published, resolved);

    expect(candidates.tags).toEqual(expected);
    expect(candidates.firstRound).toBe(firstRound);
  });
});
