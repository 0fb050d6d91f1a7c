/**
 * Publish and audit decide through the same scheme functions. So a
 * repository that only ever changed by publishing, with tags moved as
 * `computeTagSet` decides, must pass the audit's rolling and revision rules,
 * whatever the order of the releases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { computeTagSet } from '../../src/scheme/tag-set.js';
import type { TagPolicyInput } from '../../src/scheme/policy.js';
import { FakeAuditRegistry } from './fake-registry.js';
import { findingLines, NOW, REPOSITORY } from './scenario.js';

const VERSIONS = ['1.0.0', '1.0.1', '1.1.0', '1.10.0', '2.0.0', '2.0.0-rc1', '2.1.0', '10.0.0'];
const DISTROS = ['debian-12', 'debian-11'];

const POLICIES: Array<[string, TagPolicyInput]> = [
  ['default levels', { defaultDistro: 'debian-12' }],
  ['every level', { defaultDistro: 'debian-12', levels: ['latest', 'major', 'major-distro', 'minor', 'minor-distro', 'version', 'version-distro'] }],
  ['latest branch 1.1', { defaultDistro: 'debian-12', latestBranch: '1.1' }],
  ['prerelease tags', { defaultDistro: 'debian-12', prereleaseTags: true, levels: ['latest', 'major', 'minor', 'version'] }],
];

const release = fc.record({ version: fc.constantFrom(...VERSIONS), distro: fc.constantFrom(...DISTROS) });

/** Publishes each release as a new build: its immutable tag, then the rolling tags the tag set moves. */
function publishAll(releases: ReadonlyArray<{ version: string; distro: string }>, policy: TagPolicyInput): FakeAuditRegistry {
  const registry = new FakeAuditRegistry();
  const published: string[] = [];
  releases.forEach((entry, index) => {
    const tagSet = computeTagSet(entry, published, policy);
    const digest = registry.addImage({ seed: `build-${index}` });
    registry.tag(REPOSITORY, tagSet.immutable, digest);
    published.push(tagSet.immutable);
    for (const tag of tagSet.moves) {
      registry.tag(REPOSITORY, tag, digest);
    }
  });
  return registry;
}

describe('audit after publishing', () => {
  it.each(POLICIES)('finds nothing under %s', async (_name, policy) => {
    await fc.assert(
      fc.asyncProperty(fc.array(release, { minLength: 1, maxLength: 12 }), async (releases) => {
        const registry = publishAll(releases, policy);
        const report = await audit({ registry, repositories: [REPOSITORY], policy, now: NOW });
        expect(findingLines(report)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('flags a rolling tag moved back by hand', async () => {
    const policy = { defaultDistro: 'debian-12' };
    const registry = publishAll(
      [
        { version: '1.0.0', distro: 'debian-12' },
        { version: '1.1.0', distro: 'debian-12' },
      ],
      policy,
    );
    const older = (await registry.headManifest({ registry: 'reg.test', repository: 'app', tag: '1.0.0-debian-12-r0' })).digest;
    registry.tag(REPOSITORY, '1', older);
    const report = await audit({ registry, repositories: [REPOSITORY], policy, now: NOW });
    expect(findingLines(report)).toEqual(['error stale-rolling 1']);
  });
});
