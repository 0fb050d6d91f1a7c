import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit/report.js';
import { FakeAuditRegistry } from './fake-registry.js';
import { cleanRepository, findingLines, REPOSITORY, runAudit, type CleanRepository } from './scenario.js';

const SIGNATURE = `sha256-${'ab'.repeat(32)}.sig`;

interface RuleCase {
  name: string;
  change: (repository: CleanRepository) => void;
  policy?: Record<string, unknown>;
  expected: string[];
}

const RULE_CASES: RuleCase[] = [
  { name: 'clean repository', change: () => {}, expected: [] },
  {
    name: 'major tag left on an older build',
    change: ({ registry, b }) => registry.tag(REPOSITORY, '3', b),
    expected: ['error stale-rolling 3'],
  },
  {
    name: 'latest left on an older build',
    change: ({ registry, a }) => registry.tag(REPOSITORY, 'latest', a),
    expected: ['error stale-rolling latest'],
  },
  {
    name: 'version tag on an older revision',
    change: ({ registry, a }) => registry.tag(REPOSITORY, '3.4.13', a),
    expected: ['error stale-rolling 3.4.13'],
  },
  {
    name: 'rolling tag on an image without immutable tag',
    change: ({ registry, stray }) => registry.tag(REPOSITORY, 'latest', stray),
    expected: ['error orphan-rolling latest'],
  },
  {
    name: 'missing major-distro tag',
    change: ({ registry }) => registry.untag(REPOSITORY, '3-debian-12'),
    expected: ['warning missing-rolling 3-debian-12'],
  },
  {
    name: 'missing version tag of an older version',
    change: ({ registry }) => registry.untag(REPOSITORY, '3.4.13'),
    expected: ['warning missing-rolling 3.4.13'],
  },
  {
    name: 'revision gap',
    change: ({ registry }) => {
      const newest = registry.addImage({ seed: 'r2', user: '1001' });
      registry.tag(REPOSITORY, '3.5.0-debian-12-r2', newest).tagAll(REPOSITORY, ['3.5.0', '3', '3-debian-12', 'latest'], newest);
    },
    expected: ['warning revision-gap 3.5.0-debian-12-r1'],
  },
  {
    name: 'gap of several revisions is one finding',
    change: ({ registry }) => {
      const newest = registry.addImage({ seed: 'r5', user: '1001' });
      registry.tag(REPOSITORY, '3.4.13-debian-12-r5', newest).tag(REPOSITORY, '3.4.13', newest);
    },
    expected: ['warning revision-gap 3.4.13-debian-12-r2'],
  },
  {
    name: 'duplicate revision',
    change: ({ registry, b }) => registry.tag(REPOSITORY, '3.4.13-debian-12-r2', b),
    expected: ['warning duplicate-revision 3.4.13-debian-12-r2'],
  },
  {
    name: 'same digest on two distros is no duplicate',
    change: ({ registry, c }) => registry.tag(REPOSITORY, '3.5.0-debian-11-r0', c).tag(REPOSITORY, '3-debian-11', c),
    expected: [],
  },
  {
    name: 'foreign tags are listed as info',
    change: ({ registry, stray }) => registry.tag(REPOSITORY, 'nightly', stray).tag(REPOSITORY, SIGNATURE, stray),
    expected: ['info foreign-tag nightly', `info foreign-tag ${SIGNATURE}`],
  },
  {
    name: 'minor tag outside the policy is judged by its scope',
    policy: { defaultDistro: 'debian-12', levels: ['latest', 'major'] },
    change: ({ registry, a }) => registry.tag(REPOSITORY, '3.4', a),
    expected: ['error stale-rolling 3.4'],
  },
  {
    name: 'minor tag outside the policy on the newest build',
    policy: { defaultDistro: 'debian-12', levels: ['latest', 'major'] },
    change: ({ registry, b }) => registry.tag(REPOSITORY, '3.4', b),
    expected: [],
  },
  {
    name: 'minor tag without minor level',
    change: ({ registry, b }) => registry.tag(REPOSITORY, '3.4', b),
    expected: ['warning level-not-in-policy 3.4'],
  },
  {
    name: 'minor tag without minor level on an older build',
    change: ({ registry, a }) => registry.tag(REPOSITORY, '3.4', a),
    expected: ['warning level-not-in-policy 3.4'],
  },
  {
    name: 'minor-distro tag without minor-distro level',
    policy: { defaultDistro: 'debian-12', levels: ['latest', 'major', 'major-distro', 'version', 'version-distro'] },
    change: ({ registry, b, c }) => {
      registry.tag(REPOSITORY, '3.4.13-debian-12', b).tag(REPOSITORY, '3.5.0-debian-12', c).tag(REPOSITORY, '3.4-debian-12', b);
    },
    expected: ['warning level-not-in-policy 3.4-debian-12'],
  },
  {
    name: 'major tag without major level',
    policy: { defaultDistro: 'debian-12', levels: ['latest', 'major-distro', 'version'] },
    change: () => {},
    expected: ['warning level-not-in-policy 3'],
  },
  {
    name: 'two-part tag of a two-part version',
    change: ({ registry }) => {
      const old = registry.addImage({ seed: '3.3' });
      registry.tag(REPOSITORY, '3.3-debian-12-r0', old).tag(REPOSITORY, '3.3', old);
    },
    expected: [],
  },
  {
    name: 'minor levels in the policy',
    policy: { defaultDistro: 'debian-12', levels: ['latest', 'major', 'minor', 'minor-distro', 'version'] },
    change: ({ registry, b, c }) => {
      registry.untag(REPOSITORY, '3-debian-12').tag(REPOSITORY, '3.4', b).tag(REPOSITORY, '3.5', c).tag(REPOSITORY, '3.4-debian-12', b);
    },
    expected: ['warning missing-rolling 3.5-debian-12'],
  },
  {
    name: 'tag without distro on another distro',
    change: ({ registry }) => {
      const other = registry.addImage({ seed: 'debian-11' });
      registry.tag(REPOSITORY, '3.6.0-debian-11-r0', other).tag(REPOSITORY, '3-debian-11', other).tag(REPOSITORY, '3', other);
    },
    expected: ['error stale-rolling 3'],
  },
  {
    name: 'release on another distro moves only distro tags',
    change: ({ registry }) => {
      const other = registry.addImage({ seed: 'debian-11' });
      registry.tag(REPOSITORY, '3.6.0-debian-11-r0', other).tag(REPOSITORY, '3-debian-11', other);
    },
    expected: [],
  },
  {
    name: 'prerelease never moves latest',
    change: ({ registry }) => {
      const rc = registry.addImage({ seed: 'rc' });
      registry.tag(REPOSITORY, '4.0.0-rc1-debian-12-r0', rc).tag(REPOSITORY, '4.0.0-rc1', rc).tag(REPOSITORY, 'latest', rc);
    },
    expected: ['error stale-rolling latest'],
  },
  {
    name: 'prerelease with its version tag only',
    change: ({ registry }) => {
      const rc = registry.addImage({ seed: 'rc' });
      registry.tag(REPOSITORY, '4.0.0-rc1-debian-12-r0', rc).tag(REPOSITORY, '4.0.0-rc1', rc);
    },
    expected: [],
  },
  {
    name: 'major tag of a scope without any build',
    change: ({ registry, c }) => registry.tag(REPOSITORY, '5', c),
    expected: ['error stale-rolling 5'],
  },
  {
    name: 'latest branch keeps latest on 3.4',
    policy: { defaultDistro: 'debian-12', latestBranch: '3.4' },
    change: ({ registry, b }) => registry.tag(REPOSITORY, 'latest', b),
    expected: [],
  },
  {
    name: 'latest branch flags latest on 3.5',
    policy: { defaultDistro: 'debian-12', latestBranch: '3.4' },
    change: () => {},
    expected: ['error stale-rolling latest'],
  },
  {
    name: 'latest never is not judged, only checked for an orphan',
    policy: { defaultDistro: 'debian-12', latest: 'never' },
    change: ({ registry, a }) => registry.tag(REPOSITORY, 'latest', a),
    expected: [],
  },
];

describe('audit rules', () => {
  it.each(RULE_CASES)('$name', async ({ change, policy, expected }) => {
    const repository = cleanRepository();
    change(repository);
    const report = await runAudit(repository.registry, policy === undefined ? {} : { policy });
    expect(findingLines(report)).toEqual([...expected].sort());
  });
});

function onlyFinding(report: AuditReport) {
  const findings = report.repositories[0]?.findings ?? [];
  expect(findings).toHaveLength(1);
  return findings[0];
}

describe('audit finding details', () => {
  it('stale tag names both digests and the newest build', async () => {
    const { registry, b, c } = cleanRepository();
    registry.tag(REPOSITORY, '3', b);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'stale-rolling', severity: 'error', tag: '3', expected: c, actual: b });
    expect(item?.message).toContain('3.4.13-debian-12-r1');
    expect(item?.message).toContain('3.5.0-debian-12-r0');
  });

  it('orphan tag names the tag it should follow', async () => {
    const { registry, c, stray } = cleanRepository();
    registry.tag(REPOSITORY, 'latest', stray);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'orphan-rolling', tag: 'latest', expected: c, actual: stray });
    expect(item?.message).toContain('3.5.0-debian-12-r0');
  });

  it('orphan outside any build names no target', async () => {
    const { registry, stray } = cleanRepository();
    registry.tag(REPOSITORY, '7', stray);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'orphan-rolling', tag: '7', expected: null, actual: stray });
    expect(item?.message).toMatch(/which no immutable tag names$/);
  });

  it('missing tag expects the digest of its target', async () => {
    const { registry, c } = cleanRepository();
    registry.untag(REPOSITORY, '3');
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'missing-rolling', severity: 'warning', tag: '3', expected: c, actual: null });
  });

  it('gap names the revisions around it', async () => {
    const { registry } = cleanRepository();
    const newest = registry.addImage({ seed: 'r4' });
    registry.tag(REPOSITORY, '3.4.13-debian-12-r4', newest).tag(REPOSITORY, '3.4.13', newest);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'revision-gap', tag: '3.4.13-debian-12-r2', expected: '3.4.13-debian-12-r2 to r3' });
    expect(item?.message).toBe(
      'revisions r2 to r3 are missing for 3.4.13 on debian-12, between 3.4.13-debian-12-r1 and 3.4.13-debian-12-r4',
    );
  });

  it('duplicate names the earlier revision', async () => {
    const { registry, b } = cleanRepository();
    registry.tag(REPOSITORY, '3.4.13-debian-12-r2', b);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'duplicate-revision', tag: '3.4.13-debian-12-r2', actual: b });
    expect(item?.message).toContain('3.4.13-debian-12-r1');
  });

  it('minor tag without minor level names the level to add', async () => {
    const { registry, c } = cleanRepository();
    registry.tag(REPOSITORY, '3.5', c);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'level-not-in-policy', severity: 'warning', tag: '3.5', expected: 'a minor level', actual: c });
    expect(item?.message).toBe('3.5 looks like a minor tag, but the policy has no minor level; add minor to levels or pass --policy');
    expect(item?.message).not.toContain('delete');
  });

  it('foreign tag carries the parser reason', async () => {
    const { registry, stray } = cleanRepository();
    registry.tag(REPOSITORY, SIGNATURE, stray);
    const item = onlyFinding(await runAudit(registry));
    expect(item).toMatchObject({ rule: 'foreign-tag', severity: 'info', expected: null, actual: null });
    expect(item?.message).toContain('cosign signature');
  });
});

describe('audit default distro', () => {
  it('infers the only distro of a repository', async () => {
    const { registry } = cleanRepository();
    const report = await runAudit(registry, { policy: {} });
    expect(findingLines(report)).toEqual([]);
  });

  it('judges tags without distro by the inferred distro', async () => {
    const { registry, b } = cleanRepository();
    registry.tag(REPOSITORY, 'latest', b);
    const report = await runAudit(registry, { policy: {} });
    expect(findingLines(report)).toEqual(['error stale-rolling latest']);
  });

  it('reports several distros without a default', async () => {
    const { registry } = cleanRepository();
    const other = registry.addImage({ seed: 'debian-11' });
    registry.tag(REPOSITORY, '3.6.0-debian-11-r0', other).tag(REPOSITORY, '3-debian-11', other);
    const report = await runAudit(registry, { policy: {} });
    expect(findingLines(report)).toEqual(['error default-distro -']);
    expect(report.repositories[0]?.findings[0]?.actual).toBe('debian-11, debian-12');
  });

  it('still checks distro tags without a default', async () => {
    const { registry, b } = cleanRepository();
    const other = registry.addImage({ seed: 'debian-11' });
    registry.tag(REPOSITORY, '3.6.0-debian-11-r0', other).tag(REPOSITORY, '3-debian-12', b);
    const report = await runAudit(registry, { policy: {} });
    expect(findingLines(report)).toEqual([
      'error default-distro -',
      'error stale-rolling 3-debian-12',
      'warning missing-rolling 3-debian-11',
    ]);
  });

  it('takes the default distro option over the policy', async () => {
    const { registry } = cleanRepository();
    const report = await runAudit(registry, { policy: { defaultDistro: 'debian-11' }, defaultDistro: 'debian-12' });
    expect(findingLines(report)).toEqual([]);
  });

  it('flags tags without distro under another default', async () => {
    const { registry } = cleanRepository();
    const report = await runAudit(registry, { defaultDistro: 'debian-11' });
    // No build is on debian-11, so every tag without a distro stands for nothing.
    expect(findingLines(report)).toEqual([
      'error stale-rolling 3',
      'error stale-rolling 3.4.13',
      'error stale-rolling 3.5.0',
      'error stale-rolling latest',
    ]);
  });
});

describe('audit of several repositories', () => {
  it('reports each repository in the order named', async () => {
    const registry = new FakeAuditRegistry();
    cleanRepository(registry, 'reg.test/one');
    const second = cleanRepository(registry, 'reg.test/two');
    registry.tag('reg.test/two', '3', second.a);
    const report = await runAudit(registry, { repositories: ['reg.test/two', 'reg.test/one', 'reg.test/two'] });
    expect(report.repositories.map((repository) => repository.repository)).toEqual(['reg.test/two', 'reg.test/one']);
    expect(findingLines(report, 0)).toEqual(['error stale-rolling 3']);
    expect(findingLines(report, 1)).toEqual([]);
    expect(report.summary).toEqual({
      repositories: 2,
      tags: 16,
      findings: { critical: 0, error: 1, warning: 0, info: 0 },
    });
  });
});
