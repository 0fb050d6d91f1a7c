import { describe, expect, it } from 'vitest';
import { audit, type AuditOptions } from '../../src/audit/audit.js';
import type { AuditProgress } from '../../src/audit/progress.js';
import { FakeAuditRegistry } from './fake-registry.js';
import { cleanRepository, findingLines, NOW, REGISTRY, REPOSITORY, runAudit } from './scenario.js';

describe('audit requests', () => {
  it('lists tags once and sends one HEAD per scheme tag', async () => {
    const { registry, stray } = cleanRepository();
    registry.tag(REPOSITORY, 'nightly', stray);
    await runAudit(registry);
    expect(registry.calls.listTags).toBe(1);
    // 8 scheme tags; the foreign tag needs no digest.
    expect(registry.calls.headManifest).toBe(8);
    expect(registry.log.filter((line) => line.startsWith('headManifest')).sort()).toEqual(
      ['3', '3-debian-12', '3.4.13', '3.4.13-debian-12-r0', '3.4.13-debian-12-r1', '3.5.0', '3.5.0-debian-12-r0', 'latest'].map(
        (tag) => `headManifest ${REPOSITORY}:${tag}`,
      ).sort(),
    );
  });

  it('fetches each manifest and config once per run', async () => {
    const registry = new FakeAuditRegistry();
    // Both repositories hold the same images, so their digests are shared too.
    const one = cleanRepository(registry, 'reg.test/one');
    const two = cleanRepository(registry, 'reg.test/two');
    expect([two.b, two.c]).toEqual([one.b, one.c]);
    const report = await runAudit(registry, { repositories: ['reg.test/one', 'reg.test/two'], requireNonRoot: true, maxAge: '7d' });
    expect(findingLines(report, 0)).toEqual([]);
    expect(findingLines(report, 1)).toEqual([]);
    // Ten rolling tags point to two builds: one manifest and one config each.
    expect(registry.calls.getManifest).toBe(2);
    expect(registry.calls.getBlob).toBe(2);
  });

  it('keeps requests within the concurrency', async () => {
    const registry = new FakeAuditRegistry();
    const image = registry.addImage({ user: '1001', created: NOW.toISOString() });
    const repositories = Array.from({ length: 5 }, (_, index) => `reg.test/app${index}`);
    for (const repository of repositories) {
      for (let revision = 0; revision < 30; revision += 1) {
        registry.tag(repository, `1.0.${revision}-debian-12-r0`, registry.addImage({ seed: `${repository}-${revision}` }));
      }
      registry.tagAll(repository, ['latest', '1', '1-debian-12'], image);
    }
    await runAudit(registry, { repositories, concurrency: 3, requireNonRoot: true });
    expect(registry.maxInFlight).toBe(3);
  });

  it('reports progress until every tag is read', async () => {
    const { registry } = cleanRepository();
    const updates: AuditProgress[] = [];
    await runAudit(registry, { onProgress: (progress) => updates.push(progress) });
    expect(updates.at(-1)).toEqual({ repositoriesDone: 1, repositoriesTotal: 1, tagsDone: 8, tagsTotal: 8, requests: 9 });
    const tagsDone = updates.map((progress) => progress.tagsDone);
    expect(tagsDone).toEqual([...tagsDone].sort((left, right) => left - right));
  });
});

describe('audit of unreachable repositories', () => {
  it('goes on after a denied repository', async () => {
    const registry = new FakeAuditRegistry();
    cleanRepository(registry, 'reg.test/denied');
    cleanRepository(registry, 'reg.test/open');
    registry.denied.add('reg.test/denied');
    const report = await runAudit(registry, { repositories: ['reg.test/denied', 'reg.test/open'] });
    expect(report.repositories[0]).toMatchObject({ repository: 'reg.test/denied', tags: 0 });
    expect(findingLines(report, 0)).toEqual(['error unreachable -']);
    expect(report.repositories[0]?.findings[0]?.message).toContain('DENIED');
    expect(report.repositories[0]?.findings[0]?.actual).toBe('403');
    expect(findingLines(report, 1)).toEqual([]);
  });

  it('reports a repository that does not exist', async () => {
    const registry = new FakeAuditRegistry();
    const report = await runAudit(registry, { repositories: ['reg.test/absent'] });
    expect(findingLines(report)).toEqual(['error unreachable -']);
    expect(report.repositories[0]?.findings[0]?.message).toContain('not found');
  });

  it('reports a tag that vanished after listing', async () => {
    const { registry } = cleanRepository();
    registry.vanishedTags.add(`${REPOSITORY}:3.4.13`);
    const report = await runAudit(registry);
    expect(findingLines(report)).toEqual(['error unreachable 3.4.13']);
  });

  it('reports no orphans while an immutable digest is unknown', async () => {
    const { registry } = cleanRepository();
    registry.vanishedTags.add(`${REPOSITORY}:3.5.0-debian-12-r0`);
    const report = await runAudit(registry);
    expect(findingLines(report)).toEqual(['error unreachable 3.5.0-debian-12-r0']);
  });

  it('does not call a tag missing when its HEAD failed', async () => {
    const { registry } = cleanRepository();
    registry.vanishedTags.add(`${REPOSITORY}:3-debian-12`);
    const report = await runAudit(registry);
    expect(findingLines(report)).toEqual(['error unreachable 3-debian-12']);
  });
});

describe('audit of a catalog', () => {
  it('audits every repository the registry lists', async () => {
    const registry = new FakeAuditRegistry();
    cleanRepository(registry, `${REGISTRY}/a`);
    const second = cleanRepository(registry, `${REGISTRY}/b`);
    cleanRepository(registry, 'other.test/c');
    registry.tag(`${REGISTRY}/b`, 'latest', second.a);
    const report = await audit({ registry, catalog: REGISTRY, policy: { defaultDistro: 'debian-12' }, now: NOW });
    expect(report.repositories.map((repository) => repository.repository)).toEqual([`${REGISTRY}/a`, `${REGISTRY}/b`]);
    expect(findingLines(report, 1)).toEqual(['error stale-rolling latest']);
    expect(registry.calls.listRepositories).toBe(1);
  });

  it('adds named repositories before the catalog', async () => {
    const registry = new FakeAuditRegistry();
    cleanRepository(registry, `${REGISTRY}/a`);
    cleanRepository(registry, 'other.test/c');
    const report = await audit({ registry, catalog: REGISTRY, repositories: ['other.test/c', `${REGISTRY}/a`], policy: {}, now: NOW });
    expect(report.repositories.map((repository) => repository.repository)).toEqual(['other.test/c', `${REGISTRY}/a`]);
  });

  it('fails clearly without a catalog', async () => {
    const registry = new FakeAuditRegistry();
    registry.withoutCatalog.add(REGISTRY);
    await expect(audit({ registry, catalog: REGISTRY })).rejects.toMatchObject({
      code: 'CATALOG_UNAVAILABLE',
      message: expect.stringContaining('does not list its repositories (GET /v2/_catalog: HTTP 404)'),
    });
  });
});

describe('audit options', () => {
  const registry = new FakeAuditRegistry();

  it.each([
    ['no repository', {}, 'INVALID_ARGUMENT', 'no repository to audit'],
    ['bad max age', { repositories: [REPOSITORY], maxAge: '7 days' }, 'INVALID_ARGUMENT', 'invalid duration "7 days" for --max-age'],
    ['zero max age', { repositories: [REPOSITORY], maxAge: 0 }, 'INVALID_ARGUMENT', 'invalid maximum age 0 ms'],
    ['zero concurrency', { repositories: [REPOSITORY], concurrency: 0 }, 'INVALID_ARGUMENT', 'invalid concurrency 0'],
    ['fractional concurrency', { repositories: [REPOSITORY], concurrency: 1.5 }, 'INVALID_ARGUMENT', 'invalid concurrency 1.5'],
    ['huge concurrency', { repositories: [REPOSITORY], concurrency: 1000 }, 'INVALID_ARGUMENT', 'from 1 to 256'],
    ['upper-case repository', { repositories: ['reg.test/App'] }, 'INVALID_REFERENCE', 'reg.test/App'],
    ['repository with tag', { repositories: ['reg.test/app:1'] }, 'INVALID_REFERENCE', 'takes no tag'],
    ['bad default distro', { repositories: [REPOSITORY], defaultDistro: 'Debian' }, 'TAG_POLICY', 'defaultDistro'],
    ['unknown policy level', { repositories: [REPOSITORY], policy: { levels: ['patch'] } }, 'TAG_POLICY', 'levels[0]'],
  ] as Array<[string, Partial<AuditOptions>, string, string]>)('rejects %s', async (_name, options, code, message) => {
    await expect(audit({ registry, ...options })).rejects.toMatchObject({ code, message: expect.stringContaining(message) });
    expect(registry.calls.listTags).toBe(0);
  });
});
