import { beforeEach, describe, expect, it } from 'vitest';
import { isTagPolicyError } from '../../src/scheme/errors.js';
import { parseTagPolicy, type TagPolicyInput } from '../../src/scheme/policy.js';
import { applyDefaultDistro, loadPolicy } from '../../src/release/policy.js';
import { publish, type PublishOptions } from '../../src/release/publish.js';
import { FakeReleaseRegistry } from './fake-registry.js';

const REPOSITORY = 'reg.test/acme/app';
const AMBIGUOUS = /has immutable tags on .*; pass --default-distro or set defaultDistro in the policy$/;

interface DefaultDistroCase {
  name: string;
  policy: TagPolicyInput;
  distro: string;
  published: string[];
  /** The default distro chosen, or the start of the error message. */
  expected: { defaultDistro: string } | { error: string };
}

const CASES: DefaultDistroCase[] = [
  { name: 'empty repository', policy: {}, distro: 'photon-5', published: [], expected: { defaultDistro: 'photon-5' } },
  {
    name: 'only the release distro',
    policy: {},
    distro: 'debian-12',
    published: ['3.5.9-debian-12-r0', '3.5.9', 'latest', 'nightly'],
    expected: { defaultDistro: 'debian-12' },
  },
  {
    name: 'rolling tags of another distro do not count',
    policy: {},
    distro: 'debian-12',
    published: ['3.5.9-debian-12-r0', '3-photon-5'],
    expected: { defaultDistro: 'debian-12' },
  },
  {
    name: 'two distros',
    policy: {},
    distro: 'photon-5',
    published: ['3.5.10-debian-12-r1', '3.5.9-photon-5-r0', 'latest'],
    expected: { error: `${REPOSITORY} has immutable tags on debian-12, photon-5, so the distro that tags without a distro` },
  },
  {
    name: 'only another distro',
    policy: {},
    distro: 'photon-5',
    published: ['3.5.10-debian-12-r1'],
    expected: { error: `${REPOSITORY} has immutable tags on debian-12, and this release is on photon-5, so` },
  },
  {
    name: 'policy default distro',
    policy: { defaultDistro: 'debian-12' },
    distro: 'photon-5',
    published: ['3.5.10-debian-12-r1', '3.5.9-photon-5-r0'],
    expected: { defaultDistro: 'debian-12' },
  },
  {
    name: 'only distro levels',
    policy: { levels: ['major-distro', 'version-distro'] },
    distro: 'photon-5',
    published: ['3.5.10-debian-12-r1'],
    expected: { defaultDistro: 'photon-5' },
  },
];

describe('applyDefaultDistro', () => {
  it.each(CASES)('$name', ({ policy, distro, published, expected }) => {
    const run = () => applyDefaultDistro(parseTagPolicy(policy), distro, published, REPOSITORY);

    if ('defaultDistro' in expected) {
      expect(run().defaultDistro).toBe(expected.defaultDistro);
      return;
    }
    let caught: unknown;
    try {
      run();
    } catch (error) {
      caught = error;
    }
    expect(isTagPolicyError(caught)).toBe(true);
    expect((caught as { field: string }).field).toBe('policy.defaultDistro');
    expect((caught as Error).message.startsWith(expected.error)).toBe(true);
    expect((caught as Error).message).toMatch(AMBIGUOUS);
  });

  it('keeps the other policy fields', () => {
    const policy = parseTagPolicy({ levels: ['latest', 'minor'], latest: 'never' });

    expect(applyDefaultDistro(policy, 'debian-12', [], REPOSITORY)).toEqual({ ...policy, defaultDistro: 'debian-12' });
  });
});

describe('loadPolicy', () => {
  it('names no default distro unless given one', async () => {
    expect((await loadPolicy({})).defaultDistro).toBeUndefined();
    expect((await loadPolicy({ defaultDistro: 'debian-12' })).defaultDistro).toBe('debian-12');
    expect((await loadPolicy({ policy: { defaultDistro: 'photon-5' }, defaultDistro: 'debian-12' })).defaultDistro).toBe('debian-12');
  });
});

describe('publish without a default distro', () => {
  const staging = { registry: 'reg.test', repository: 'staging/app' };
  let registry: FakeReleaseRegistry;

  beforeEach(() => {
    registry = new FakeReleaseRegistry();
  });

  function stage(name: string): string {
    return `reg.test/staging/app@${registry.addImage(staging, { layers: ['base', name] })}`;
  }

  function release(source: string, version: string, distro: string, extra: Partial<PublishOptions> = {}) {
    return publish({ registry, source, target: REPOSITORY, version, distro, ...extra });
  }

  it('stops before any write on a second distro', async () => {
    await release(stage('3.5.10 debian'), '3.5.10', 'debian-12');
    const before = registry.tagMap({ registry: 'reg.test', repository: 'acme/app' });
    const writes = registry.writes().length;

    for (const dryRun of [false, true]) {
      const error = await release(stage('3.5.9 photon'), '3.5.9', 'photon-5', { dryRun }).catch((caught: unknown) => caught);

      expect(isTagPolicyError(error), `dry run ${dryRun}`).toBe(true);
      expect((error as Error).message).toBe(
        `${REPOSITORY} has immutable tags on debian-12, and this release is on photon-5, so the distro that tags without a distro ` +
          '(such as latest) stand for is ambiguous; pass --default-distro or set defaultDistro in the policy',
      );
      expect(registry.writes()).toHaveLength(writes);
      expect(registry.tagMap({ registry: 'reg.test', repository: 'acme/app' })).toEqual(before);
    }
  });

  it('publishes a second distro with a default distro', async () => {
    const debian = stage('3.5.10 debian');
    await release(debian, '3.5.10', 'debian-12');

    const result = await release(stage('3.5.9 photon'), '3.5.9', 'photon-5', { defaultDistro: 'debian-12' });

    expect(result.outcome).toBe('published');
    const tags = registry.tagMap({ registry: 'reg.test', repository: 'acme/app' });
    expect(tags.latest).toBe(debian.slice(debian.indexOf('@') + 1));
    expect(tags['3']).toBe(debian.slice(debian.indexOf('@') + 1));
    expect(Object.keys(tags).sort()).toEqual(['3', '3-debian-12', '3-photon-5', '3.5.10', '3.5.10-debian-12-r0', '3.5.9-photon-5-r0', 'latest']);
  });

  it('keeps the release distro as default on a one-distro repository', async () => {
    await release(stage('3.5.9 debian'), '3.5.9', 'debian-12');

    const result = await release(stage('3.5.10 debian'), '3.5.10', 'debian-12');

    expect(result.plan.operations.map((operation) => [operation.tag, operation.action])).toEqual([
      ['3.5.10-debian-12-r0', 'create'],
      ['3.5.10', 'create'],
      ['3-debian-12', 'move'],
      ['3', 'move'],
      ['latest', 'move'],
    ]);
  });
});
